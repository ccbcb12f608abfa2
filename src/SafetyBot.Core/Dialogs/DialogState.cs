namespace SafetyBot.Core.Dialogs;

/// <summary>One running flow in a conversation's state: where it is and what it has collected.</summary>
public sealed class DialogFrame
{
    public string Flow { get; set; } = string.Empty;

    /// <summary>The flow's version when this frame started: a changed flow restarts the frame safely.</summary>
    public int Version { get; set; }

    public string Node { get; set; } = string.Empty;

    /// <summary>The node is a question whose answer is awaited.</summary>
    public bool Waiting { get; set; }

    /// <summary>Answers to the current question that were not understood.</summary>
    public int Attempts { get; set; }

    public Dictionary<string, string> Values { get; set; } = new(StringComparer.Ordinal);
}
