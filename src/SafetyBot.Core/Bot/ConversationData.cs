using SafetyBot.Core.Dialogs;
using SafetyBot.Core.Handoff;

namespace SafetyBot.Core.Bot;

/// <summary>What the bot remembers about one conversation (Bot Builder conversation state).</summary>
public sealed class ConversationData
{
    public string? Language { get; set; }

    /// <summary>The person picked the language themselves; a channel's hint no longer changes it.</summary>
    public bool LanguageChosen { get; set; }

    /// <summary>The language came from the channel (Telegram language_code, the browser): the first message's words do not override it.</summary>
    public bool LanguageHinted { get; set; }

    /// <summary>The country the person confirmed or chose (helplines); until then a guess is used.</summary>
    public string? Country { get; set; }

    public bool Welcomed { get; set; }

    public int Turns { get; set; }

    /// <summary>The platform that sent the person here (e.g. a Telegram deep link "p_&lt;partner&gt;"), for routing and reports.</summary>
    public string? Partner { get; set; }

    /// <summary>The crisis check flagged a message of this conversation (danger now or self-harm): staff see it first.</summary>
    public bool Crisis { get; set; }

    /// <summary>The running flows, innermost last (a sub-flow called from a flow sits above it).</summary>
    public List<DialogFrame> Dialog { get; set; } = [];

    /// <summary>What finished flows marked "keep" collected (self-check answers and level, categories found), for hotline staff.</summary>
    public Dictionary<string, Dictionary<string, string>> Results { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Who owns the conversation (bot, waiting room, staff member) and every change of owner.</summary>
    public HandoffInfo Handoff { get; set; } = new();
}
