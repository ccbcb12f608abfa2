using System.Collections.Frozen;

namespace SafetyBot.Core.Dialogs;

/// <summary>One flow read from <c>dialogs/flows/&lt;id&gt;.json</c>: nodes by id, a start node and a version.</summary>
public sealed record Flow(string Id, int Version, string Start, bool Keep, string File, FrozenDictionary<string, FlowNode> Nodes);

public enum NodeType
{
    Say,
    Ask,
    Branch,
    Set,
    List,
    Call,
    Handoff,
    End,
}

public enum AskKind
{
    Choice,
    YesNo,
    Text,
    Number,
    Age,
    Url,
    Date,
    Country,
}

/// <summary>
/// One step of a flow. Which fields apply depends on <see cref="Type"/>; the loader has checked that every
/// field present belongs to the type, every text key exists and every reference points at a node or flow.
/// </summary>
public sealed class FlowNode
{
    public required string Id { get; init; }

    public required NodeType Type { get; init; }

    /// <summary>The node that follows; null ends the flow.</summary>
    public string? Next { get; init; }

    /// <summary>say / ask: the text key shown.</summary>
    public string? Text { get; init; }

    /// <summary>say: helplines appended after the text ("all" or one helpline label such as "trafficking").</summary>
    public string? Helplines { get; init; }

    /// <summary>Placeholders filled from a variable: name → variable; a variable holding a country fills "in &lt;country&gt;".</summary>
    public IReadOnlyDictionary<string, string> Placeholders { get; init; } = FrozenDictionary<string, string>.Empty;

    public AskKind Kind { get; init; }

    /// <summary>ask: the variable the answer is saved in.</summary>
    public string? Save { get; init; }

    public IReadOnlyList<FlowChoice> Choices { get; init; } = [];

    /// <summary>ask: offers "I'd rather not say"; a skipped answer leaves the variable unset.</summary>
    public bool Skip { get; init; }

    /// <summary>ask: the text shown after an answer that was not understood (default <c>ask.retry.&lt;kind&gt;</c>).</summary>
    public string? Retry { get; init; }

    /// <summary>ask (text): the answer is analysed with this role and only the categories found are saved, never the text.</summary>
    public string? Analyze { get; init; }

    public int? Min { get; init; }

    public int? Max { get; init; }

    /// <summary>ask: where to go after two answers that were not understood; without it the question is asked again.</summary>
    public string? Fallback { get; init; }

    public IReadOnlyList<(Condition If, string Next)> Cases { get; init; } = [];

    public string? Else { get; init; }

    /// <summary>set: literal values.</summary>
    public IReadOnlyDictionary<string, string> Values { get; init; } = FrozenDictionary<string, string>.Empty;

    /// <summary>set: target variable → source variable.</summary>
    public IReadOnlyDictionary<string, string> Copy { get; init; } = FrozenDictionary<string, string>.Empty;

    /// <summary>list: intro text key (a plural key gets the number of items).</summary>
    public string? Intro { get; init; }

    public IReadOnlyList<FlowListItem> Items { get; init; } = [];

    /// <summary>call: the sub-flow.</summary>
    public string? Flow { get; init; }

    /// <summary>call: the sub-flow may be absent (a feature not installed); the call is then skipped.</summary>
    public bool Optional { get; init; }

    /// <summary>handoff: text keys for "a person will join" and "nobody can join now".</summary>
    public string? Queued { get; init; }

    public string? Unavailable { get; init; }

    /// <summary>handoff: queue the conversation even when nobody is online (a message left for the team).</summary>
    public bool Offline { get; init; }

    /// <summary>ask (text): the answer is not kept in state (it is in the encrypted transcript), only that one was given.</summary>
    public bool Forget { get; init; }

    /// <summary>end: show the main menu when the last flow ends (default true).</summary>
    public bool Menu { get; init; } = true;
}

public sealed record FlowChoice(string Value, string Text, string? Next);

/// <summary>A line of a list node: shown when <see cref="If"/> holds, or when the analyser found <see cref="Signal"/>.</summary>
public sealed record FlowListItem(Condition? If, string? Signal, string Text);
