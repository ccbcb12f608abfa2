using Microsoft.Bot.Builder;
using Microsoft.Extensions.Logging;
using SafetyBot.Core.Bot;
using SafetyBot.Core.Conversations;
using SafetyBot.Core.Localization;
using SafetyBot.Core.Storage;

namespace SafetyBot.Core.Pipeline;

/// <summary>
/// What every channel adapter runs: the middleware in order (turn store: lock, state and transcript → locale),
/// the bot, and the answer of last resort when a turn fails — emergency number and helplines, so a
/// person is never left with silence.
/// </summary>
public sealed partial class TurnPipeline(
    ITurnStore turnStore,
    ConversationState conversationState,
    BotContent content,
    SafetyBotBot bot,
    TimeProvider clock,
    ILogger<TurnPipeline> logger)
{
    public IBot Bot => bot;

    public IEnumerable<IMiddleware> CreateMiddleware() =>
    [
        new TurnStoreMiddleware(turnStore, conversationState as TurnConversationState
            ?? throw new InvalidOperationException("SafetyBot's conversation state must be a TurnConversationState."), clock),
        new LocaleMiddleware(conversationState, content.Catalog),
    ];

    public async Task OnTurnErrorAsync(ITurnContext turnContext, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(turnContext);
        LogTurnFailed(logger, exception, turnContext.Activity?.ChannelId, turnContext.Activity?.Type);
        var language = turnContext.TurnState.Get<string>(TurnKeys.Language)
            ?? content.Catalog.Match(turnContext.Activity?.Locale)
            ?? content.Catalog.Match(turnContext.TurnState.Get<string>(TurnKeys.ClientLocale))
            ?? TextCatalog.DefaultLanguage;
        var country = turnContext.TurnState.Get<string>(TurnKeys.Country)
            ?? TextCatalog.RegionOf(turnContext.Activity?.Locale)
            ?? content.Catalog.ByCode[language].DefaultCountry;
        try
        {
            await turnContext.SendActivityAsync(bot.TechnicalProblemReply(language, country), CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The last-resort reply must never throw out of the error handler.
        catch (Exception sendFailure)
#pragma warning restore CA1031
        {
            LogFallbackFailed(logger, sendFailure, turnContext.Activity?.ChannelId);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Turn failed on channel {ChannelId} ({ActivityType}); answering with helplines")]
    private static partial void LogTurnFailed(ILogger logger, Exception exception, string? channelId, string? activityType);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not deliver the helpline fallback on channel {ChannelId}")]
    private static partial void LogFallbackFailed(ILogger logger, Exception exception, string? channelId);
}
