using System.Globalization;
using Microsoft.Bot.Builder;
using Microsoft.Extensions.Logging;
using SafetyBot.Core.Conversations;
using SafetyBot.Core.Pipeline;
using global::Telegram.Bot;
using global::Telegram.Bot.Exceptions;

namespace SafetyBot.Channels.Telegram;

/// <summary>
/// Message ids of a chat, kept in its conversation state only so that quick exit can delete both sides of the
/// chat; Telegram lets a bot delete messages of a private chat for 48 hours.
/// </summary>
public sealed partial class TelegramMessageTracker(
    ConversationState conversationState,
    ITelegramBotClient client,
    TimeProvider clock,
    ILogger<TelegramMessageTracker> logger) : IChannelConversationEraser
{
    private static readonly TimeSpan DeletableFor = TimeSpan.FromHours(47.5);
    private readonly IStatePropertyAccessor<TelegramMessageLog> _log = conversationState.CreateProperty<TelegramMessageLog>(nameof(TelegramMessageLog));

    public string ChannelId => TelegramUpdateMapper.ChannelId;

    /// <summary>Quick exit: deletes what Telegram still lets the bot delete (both sides, under 48 hours), keeping the closing line.</summary>
    public async Task EraseAsync(ITurnContext turnContext, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turnContext);
        var chatId = long.Parse(turnContext.Activity.Conversation.Id, CultureInfo.InvariantCulture);
        var log = await TryGetLogAsync(turnContext, cancellationToken).ConfigureAwait(false);
        if (log is null)
        {
            return;
        }

        var closingLine = log.Messages.LastOrDefault(m => m.FromBot);
        var now = clock.GetUtcNow();
        var deletable = log.Messages.Where(m => m != closingLine && now - m.SentAt < DeletableFor).Select(m => m.Id).Distinct().ToList();
        foreach (var batch in deletable.Chunk(100))
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

        log.Messages.Clear();
    }

    public async Task<TelegramMessageLog?> TryGetLogAsync(ITurnContext turnContext, CancellationToken cancellationToken)
    {
        if (TurnKeys.IsErased(turnContext))
        {
            return null;
        }

        try
        {
            return await _log.GetAsync(turnContext, () => new TelegramMessageLog(), cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Tracking must never stop a reply (e.g. the helpline fallback while storage is down).
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    public void Track(TelegramMessageLog log, TrackedMessage message)
    {
        var cutoff = clock.GetUtcNow() - DeletableFor;
        log.Messages.RemoveAll(m => m.SentAt < cutoff);
        log.Messages.Add(message);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram refused to delete messages on quick exit (error {ErrorCode})")]
    private static partial void LogDeleteFailed(ILogger logger, int errorCode);
}
