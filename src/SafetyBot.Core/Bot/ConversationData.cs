namespace SafetyBot.Core.Bot;

/// <summary>What the bot remembers about one conversation (Bot Builder conversation state).</summary>
public sealed class ConversationData
{
    public string? Language { get; set; }

    /// <summary>The person picked the language themselves; a channel's hint no longer changes it.</summary>
    public bool LanguageChosen { get; set; }

    public string? Country { get; set; }

    public bool Welcomed { get; set; }

    public int Turns { get; set; }

    /// <summary>The platform that sent the person here (e.g. a Telegram deep link "p_&lt;partner&gt;"), for routing and reports.</summary>
    public string? Partner { get; set; }

    /// <summary>The crisis check flagged a message of this conversation (danger now or self-harm): staff see it first.</summary>
    public bool Crisis { get; set; }
}
