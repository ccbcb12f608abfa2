using Microsoft.Bot.Builder;

namespace SafetyBot.Core.Pipeline;

/// <summary>Values the middleware leaves in <see cref="ITurnContext.TurnState"/> for the rest of the turn.</summary>
public static class TurnKeys
{
    public const string Language = "SafetyBot.Language";
    /// <summary>The country used for helplines this turn: the one the person confirmed, else the guess.</summary>
    public const string Country = "SafetyBot.Country";

    /// <summary>The country the locale's region or the language's usual country suggests, not yet confirmed.</summary>
    public const string CountryGuess = "SafetyBot.CountryGuess";
    public const string Erased = "SafetyBot.Erased";

    /// <summary>Set on a proactive turn that carries a hotline staff member's words.</summary>
    public const string StaffMessage = "SafetyBot.StaffMessage";

    /// <summary>Set by a channel adapter that answers a turn again from the replies saved the first time: it was recorded then.</summary>
    public const string Replayed = "SafetyBot.Replayed";

    /// <summary>Set by a channel adapter: the browser's or client's preferred locale when the activity has none.</summary>
    public const string ClientLocale = "SafetyBot.ClientLocale";

    public static string LanguageOf(ITurnContext turnContext)
    {
        ArgumentNullException.ThrowIfNull(turnContext);
        return turnContext.TurnState.Get<string>(Language) ?? Localization.TextCatalog.DefaultLanguage;
    }

    public static bool IsReplayed(ITurnContext turnContext)
    {
        ArgumentNullException.ThrowIfNull(turnContext);
        return turnContext.TurnState.TryGetValue(Replayed, out var v) && v is true;
    }

    public static bool IsErased(ITurnContext turnContext)
    {
        ArgumentNullException.ThrowIfNull(turnContext);
        return turnContext.TurnState.TryGetValue(Erased, out var v) && v is true;
    }
}
