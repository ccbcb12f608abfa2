using System.Globalization;
using Microsoft.Bot.Builder;
using Microsoft.Extensions.Logging;
using SafetyBot.Core.Conversations;
using global::Telegram.Bot;
using global::Telegram.Bot.Exceptions;

namespace SafetyBot.Channels.Telegram;

/// <summary>
/// Quick exit on Telegram: drops the replies still waiting in the outbox, and deletes what Telegram still lets the
/// bot delete — both sides of the chat, messages under 48 hours old. The outbox keeps the chat's message ids for
/// this and nothing else. The exit turn's own closing line is still in the turn, and goes out after.
/// </summary>
public sealed partial class TelegramQuickExit(
    TelegramOutbox outbox,
    ITelegramBotClient client,
    TimeProvider clock,
    ILogger<TelegramQuickExit> logger) : IChannelConversationEraser
{
    private static readonly TimeSpan DeletableFor = TimeSpan.FromHours(47.5);

    public string ChannelId => TelegramUpdateMapper.ChannelId;

    public async Task EraseAsync(ITurnContext turnContext, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turnContext);
        var chatId = long.Parse(turnContext.Activity.Conversation.Id, CultureInfo.InvariantCulture);
        var deletable = (await outbox.Postbox.ClearAsync(TelegramOutbox.Line(chatId), clock.GetUtcNow() - DeletableFor, cancellationToken).ConfigureAwait(false)).ToList();
        if (turnContext.TurnState.Get<TelegramTurn>(TelegramTurn.Key) is { } turn)
        {
            turn.Erased = true;
            if (turn.ReceivedMessageId is { } received)
            {
                deletable.Add(received); // the exit itself
            }
        }

        foreach (var batch in deletable.Distinct().Select(id => (int)id).Chunk(100))
        {
            try
            {
                await client.DeleteMessages(chatId, batch, cancellationToken).ConfigureAwait(false);
            }
            catch (ApiRequestException ex)
            {
                // Some may already be gone (deleted by the person); the rest of the erase goes on.
                LogDeleteFailed(logger, ex.ErrorCode);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram refused to delete messages on quick exit (error {ErrorCode})")]
    private static partial void LogDeleteFailed(ILogger logger, int errorCode);
}
