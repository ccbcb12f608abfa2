using System.Globalization;
using Microsoft.Bot.Builder;
using Microsoft.Bot.Schema;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;
using SafetyBot.Core.Conversations;
using SafetyBot.Core.Localization;
using SafetyBot.Core.Pipeline;
using global::Telegram.Bot;
using global::Telegram.Bot.Exceptions;
using global::Telegram.Bot.Types;
using global::Telegram.Bot.Types.Enums;
using global::Telegram.Bot.Types.ReplyMarkups;

namespace SafetyBot.Channels.Telegram;

/// <summary>The ids of this chat's messages that SafetyBot may still delete on quick exit (nothing else is kept).</summary>
public sealed class TelegramMessageLog
{
    public List<TrackedMessage> Messages { get; set; } = [];
}

public sealed record TrackedMessage(int Id, DateTimeOffset SentAt, bool FromBot);

/// <summary>
/// The Telegram channel's Bot Builder adapter: sends replies (split, with inline keyboards), answers every
/// callback query, and tracks message ids so quick exit can delete both sides of the chat.
/// </summary>
public sealed partial class TelegramAdapter : SafetyBotAdapter
{
    private readonly ITelegramBotClient _client;
    private readonly TelegramPacer _pacer;
    private readonly TelegramMessageTracker _tracker;
    private readonly TextCatalog _catalog;
    private readonly TimeProvider _clock;
    private readonly ILogger<TelegramAdapter> _logger;

    public TelegramAdapter(TurnPipeline pipeline, ITelegramBotClient client, TelegramPacer pacer, TelegramMessageTracker tracker,
        TextCatalog catalog, TimeProvider clock, ILogger<TelegramAdapter> logger)
        : base(pipeline)
    {
        _client = client;
        _pacer = pacer;
        _tracker = tracker;
        _catalog = catalog;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>Runs the turn for one update; returns when the replies have been sent.</summary>
    public async Task ProcessUpdateAsync(Update update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        var activity = TelegramUpdateMapper.ToActivity(update, _client.BotId.ToString(CultureInfo.InvariantCulture));
        if (activity is null)
        {
            return;
        }

        if (update.CallbackQuery is { } query)
        {
            // Every callback query is answered, also when its data is stale or unknown.
            var known = activity.Value is not null;
            await AnswerCallbackAsync(query, known ? null : _catalog.Get(_catalog.Match(query.From.LanguageCode) ?? TextCatalog.DefaultLanguage, "telegram.button_expired"), cancellationToken).ConfigureAwait(false);
            if (!known)
            {
                return;
            }
        }

        await ProcessActivityAsync(activity, null, cancellationToken).ConfigureAwait(false);
    }

    public override async Task<ResourceResponse[]> SendActivitiesAsync(ITurnContext turnContext, Activity[] activities, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turnContext);
        ArgumentNullException.ThrowIfNull(activities);
        var chatId = long.Parse(turnContext.Activity.Conversation.Id, CultureInfo.InvariantCulture);
        var log = await _tracker.TryGetLogAsync(turnContext, cancellationToken).ConfigureAwait(false);
        if (log is not null && !turnContext.TurnState.ContainsKey("SafetyBot.Telegram.IncomingTracked")
            && int.TryParse(turnContext.Activity.Id, NumberStyles.None, CultureInfo.InvariantCulture, out var incomingId))
        {
            turnContext.TurnState["SafetyBot.Telegram.IncomingTracked"] = true;
            _tracker.Track(log, new TrackedMessage(incomingId, turnContext.Activity.Timestamp ?? _clock.GetUtcNow(), FromBot: false));
        }

        var responses = new ResourceResponse[activities.Length];
        for (var i = 0; i < activities.Length; i++)
        {
            var activity = activities[i];
            var urgent = activity.Importance == ActivityImportance.High; // the crisis response
            responses[i] = new ResourceResponse(string.Empty);
            switch (activity.Type)
            {
                case ActivityTypes.Typing:
                    await _pacer.WaitAsync(chatId, cancellationToken).ConfigureAwait(false);
                    await _client.SendChatAction(chatId, ChatAction.Typing, cancellationToken: cancellationToken).ConfigureAwait(false);
                    break;
                case ActivityTypes.Message when !string.IsNullOrEmpty(activity.Text):
                    var parts = TelegramText.Split(activity.Text);
                    for (var p = 0; p < parts.Count; p++)
                    {
                        var keyboard = p == parts.Count - 1 ? Keyboard(activity.SuggestedActions) : null;
                        await _pacer.WaitAsync(chatId, urgent, cancellationToken).ConfigureAwait(false);
                        var sent = await _client.SendMessage(chatId, parts[p], replyMarkup: keyboard, cancellationToken: cancellationToken).ConfigureAwait(false);
                        responses[i] = new ResourceResponse(sent.Id.ToString(CultureInfo.InvariantCulture));
                        if (log is not null)
                        {
                            _tracker.Track(log, new TrackedMessage(sent.Id, new DateTimeOffset(DateTime.SpecifyKind(sent.Date, DateTimeKind.Utc)), FromBot: true));
                        }
                    }

                    break;
            }
        }

        return responses;
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

    private static InlineKeyboardMarkup? Keyboard(SuggestedActions? actions)
    {
        var rows = actions?.Actions?
            .Select(a => (a.Title, Data: TelegramCallbackData.Encode(a.Value as JObject)))
            .Where(b => !string.IsNullOrEmpty(b.Title) && b.Data is not null)
            .Select(b => new[] { InlineKeyboardButton.WithCallbackData(b.Title!, b.Data!) })
            .ToArray();
        return rows is { Length: > 0 } ? new InlineKeyboardMarkup(rows) : null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram refused to answer a callback query (error {ErrorCode})")]
    private static partial void LogAnswerFailed(ILogger logger, int errorCode);
}
