using Microsoft.Bot.Builder;
using SafetyBot.Core.Bot;
using SafetyBot.Core.Localization;

namespace SafetyBot.Core.Pipeline;

/// <summary>
/// Decides the language of the turn: the person's own choice first, then the activity's locale (Telegram
/// <c>language_code</c>, Web Chat's locale), then the browser's, then English. Also settles the country
/// used for helplines from the locale's region or the language's usual country.
/// </summary>
public sealed class LocaleMiddleware(ConversationState conversationState, TextCatalog catalog) : IMiddleware
{
    public async Task OnTurnAsync(ITurnContext turnContext, NextDelegate next, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(turnContext);
        ArgumentNullException.ThrowIfNull(next);
        var accessor = conversationState.CreateProperty<ConversationData>(nameof(ConversationData));
        var data = await accessor.GetAsync(turnContext, () => new ConversationData(), cancellationToken).ConfigureAwait(false);
        var activityLocale = turnContext.Activity.Locale;
        var clientLocale = turnContext.TurnState.Get<string>(TurnKeys.ClientLocale);

        if (!data.LanguageChosen)
        {
            var hinted = catalog.Match(activityLocale) ?? catalog.Match(clientLocale);
            data.LanguageHinted |= hinted is not null;
            data.Language = hinted ?? data.Language ?? TextCatalog.DefaultLanguage;
        }
        else if (data.Language is null || !catalog.Supports(data.Language))
        {
            data.Language = TextCatalog.DefaultLanguage;
        }

        // Only a guess until the person confirms it (the helplines flow asks).
        var guess = TextCatalog.RegionOf(activityLocale)
            ?? TextCatalog.RegionOf(clientLocale)
            ?? catalog.ByCode[data.Language].DefaultCountry;

        turnContext.TurnState[TurnKeys.Language] = data.Language;
        turnContext.TurnState[TurnKeys.CountryGuess] = guess;
        turnContext.TurnState[TurnKeys.Country] = data.Country ?? guess;

        // Replies carry the language they are written in (it can change during the turn), so a client can follow it.
        turnContext.OnSendActivities(async (turn, activities, nextSend) =>
        {
            var language = TurnKeys.LanguageOf(turn);
            foreach (var activity in activities)
            {
                activity.Locale = language;
            }

            return await nextSend().ConfigureAwait(false);
        });
        await next(cancellationToken).ConfigureAwait(false);
    }
}
