using System.Globalization;
using Microsoft.Bot.Builder;
using Microsoft.Bot.Schema;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;
using SafetyBot.Core.Delivery;
using SafetyBot.Core.Localization;
using SafetyBot.Core.Pipeline;
using global::Telegram.Bot;
using global::Telegram.Bot.Exceptions;
using global::Telegram.Bot.Types;
using global::Telegram.Bot.Types.Enums;

namespace SafetyBot.Channels.Telegram;

/// <summary>
/// The Telegram channel's Bot Builder adapter. A turn's replies are split into parts Telegram accepts, sealed and put
/// in the outbox when the turn ends, together with the update's receipt, so an update is answered once even when it
/// comes twice or a host stops; <see cref="TelegramSender"/> sends them. Every callback query is answered at once.
/// </summary>
public sealed partial class TelegramAdapter : SafetyBotAdapter
{
    private readonly ITelegramBotClient _client;
    private readonly TelegramOutbox _outbox;
    private readonly TextCatalog _catalog;
    private readonly ILogger<TelegramAdapter> _logger;

    public TelegramAdapter(TurnPipeline pipeline, ITelegramBotClient client, TelegramOutbox outbox, ConversationState conversationState,
        TextCatalog catalog, ILogger<TelegramAdapter> logger)
        : base(pipeline)
    {
        ArgumentNullException.ThrowIfNull(conversationState);
        _client = client;
        _outbox = outbox;
        _catalog = catalog;
        _logger = logger;
        Use(new TelegramReplayGuard(conversationState.CreateProperty<TelegramPendingReplies>(nameof(TelegramPendingReplies))));
    }

    /// <summary>Runs the turn for one update; returns when its replies are in the outbox (false: it was answered before).</summary>
    public async Task<bool> ProcessUpdateAsync(Update update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        var receipt = TelegramOutbox.Receipt(_client.BotId, update.Id);
        var activity = TelegramUpdateMapper.ToActivity(update, _client.BotId.ToString(CultureInfo.InvariantCulture));
        if (activity is null)
        {
            return await NothingToSayAsync(receipt, cancellationToken).ConfigureAwait(false);
        }

        if (update.CallbackQuery is { } query)
        {
            // Every callback query is answered, also when its data is stale or unknown.
            var known = activity.Value is not null;
            await AnswerCallbackAsync(query, known ? null : _catalog.Get(_catalog.Match(query.From.LanguageCode) ?? TextCatalog.DefaultLanguage, "telegram.button_expired"), cancellationToken).ConfigureAwait(false);
            if (!known)
            {
                return await NothingToSayAsync(receipt, cancellationToken).ConfigureAwait(false);
            }
        }

        var chatId = long.Parse(activity.Conversation.Id, CultureInfo.InvariantCulture);
        var turn = new TelegramTurn(chatId, update.Id, update.Message?.MessageId);
        await ProcessActivityAsync(activity, t => t.TurnState[TelegramTurn.Key] = turn, cancellationToken).ConfigureAwait(false);
        if (turn.Erased)
        {
            // After quick exit nothing of the chat is kept, not even the id of the closing line.
            var closing = turn.Replies.Select(r => _outbox.Seal(_outbox.Open(r) with { Forget = true }, r.Urgent)).ToList();
            return await _outbox.Postbox.AddAsync(TelegramOutbox.Line(chatId), closing, receipt, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        return await _outbox.Postbox.AddAsync(TelegramOutbox.Line(chatId), turn.Replies, receipt, turn.ReceivedMessageId, cancellationToken).ConfigureAwait(false);
    }

    // An update with no turn to run still leaves its receipt, so it is not looked at again.
    private Task<bool> NothingToSayAsync(string receipt, CancellationToken cancellationToken) =>
        _outbox.Postbox.AddAsync("telegram/ignored", [], receipt, cancellationToken: cancellationToken);

    public override async Task<ResourceResponse[]> SendActivitiesAsync(ITurnContext turnContext, Activity[] activities, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turnContext);
        ArgumentNullException.ThrowIfNull(activities);
        var chatId = long.Parse(turnContext.Activity.Conversation.Id, CultureInfo.InvariantCulture);
        var turn = turnContext.TurnState.Get<TelegramTurn>(TelegramTurn.Key);
        var replies = new List<DeliveryItem>();
        var responses = new ResourceResponse[activities.Length];
        for (var i = 0; i < activities.Length; i++)
        {
            var activity = activities[i];
            responses[i] = new ResourceResponse(string.Empty);
            if (activity.Type == ActivityTypes.Typing)
            {
                await SendTypingAsync(chatId, cancellationToken).ConfigureAwait(false);
            }
            else if (activity.Type == ActivityTypes.Message && !string.IsNullOrEmpty(activity.Text))
            {
                var urgent = activity.Importance == ActivityImportance.High; // the crisis response
                var parts = TelegramText.Split(activity.Text);
                for (var p = 0; p < parts.Count; p++)
                {
                    var item = _outbox.Seal(new OutgoingMessage(chatId, parts[p], p == parts.Count - 1 ? Buttons(activity.SuggestedActions) : null), urgent);
                    replies.Add(item);
                    responses[i] = new ResourceResponse(item.Id);
                }
            }
        }

        if (turn is null)
        {
            // A turn SafetyBot starts itself (a staff member's words, a queue notice): straight to the outbox.
            await _outbox.Postbox.AddAsync(TelegramOutbox.Line(chatId), replies, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        else
        {
            turn.Replies.AddRange(replies);
            turn.Saved?.Replies.AddRange(replies.Select(r => new PendingReply { Id = r.Id, Urgent = r.Urgent, Payload = r.Payload }));
        }

        return responses;
    }

    // "typing…" lasts a few seconds and matters only now: sent at once, never queued, and its failure is harmless.
    private async Task SendTypingAsync(long chatId, CancellationToken cancellationToken)
    {
        try
        {
            await _client.SendChatAction(chatId, ChatAction.Typing, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ApiRequestException or RequestException)
        {
            LogTypingFailed(_logger, (ex as ApiRequestException)?.ErrorCode ?? 0);
        }
    }

    private async Task AnswerCallbackAsync(CallbackQuery query, string? text, CancellationToken cancellationToken)
    {
        try
        {
            await _client.AnswerCallbackQuery(query.Id, text, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (ApiRequestException ex)
        {
            LogAnswerFailed(_logger, ex.ErrorCode);
        }
    }

    private static List<OutgoingButton>? Buttons(SuggestedActions? actions)
    {
        var buttons = actions?.Actions?
            .Select(a => (a.Title, Data: TelegramCallbackData.Encode(a.Value as JObject)))
            .Where(b => !string.IsNullOrEmpty(b.Title) && b.Data is not null)
            .Select(b => new OutgoingButton(b.Title!, b.Data!))
            .ToList();
        return buttons is { Count: > 0 } ? buttons : null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram refused to answer a callback query (error {ErrorCode})")]
    private static partial void LogAnswerFailed(ILogger logger, int errorCode);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Telegram did not take a typing notice (error {ErrorCode})")]
    private static partial void LogTypingFailed(ILogger logger, int errorCode);
}
