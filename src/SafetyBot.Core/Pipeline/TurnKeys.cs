using Microsoft.Bot.Builder;

namespace SafetyBot.Core.Pipeline;

/// <summary>Values the middleware leaves in <see cref="ITurnContext.TurnState"/> for the rest of the turn.</summary>
public static class TurnKeys
{
    public const string Language = "SafetyBot.Language";
    public const string Country = "SafetyBot.Country";
    public const string Erased = "SafetyBot.Erased";

    /// <summary>Set by a channel adapter: the browser's or client's preferred locale when the activity has none.</summary>
    public const string ClientLocale = "SafetyBot.ClientLocale";

    public static string LanguageOf(ITurnContext turnContext)
    {
        ArgumentNullException.ThrowIfNull(turnContext);
        return turnContext.TurnState.Get<string>(Language) ?? Localization.TextCatalog.DefaultLanguage;
    }

    public static bool IsErased(ITurnContext turnContext)
    {
        ArgumentNullException.ThrowIfNull(turnContext);
        return turnContext.TurnState.TryGetValue(Erased, out var v) && v is true;
    }
}
