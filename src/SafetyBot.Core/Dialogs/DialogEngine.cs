using System.Globalization;
using SafetyBot.Core.Analysis;
using SafetyBot.Core.Bot;
using SafetyBot.Core.Handoff;
using SafetyBot.Core.Helplines;
using SafetyBot.Core.Localization;

namespace SafetyBot.Core.Dialogs;

/// <summary>A button the engine offers; <see cref="Argument"/> names the question it answers, so a stale tap is recognised.</summary>
public sealed record DialogButton(string Title, string Action, string? Argument = null);

/// <summary>
/// One message of a turn. <see cref="Helplines"/> asks for the helplines of the person's country under the text
/// ("all" or one label); <see cref="ShowMenu"/> for the main menu's buttons; otherwise the buttons given, to which
/// the bot adds the ways to a person and to leave.
/// </summary>
public sealed record DialogMessage(string Text, IReadOnlyList<DialogButton> Buttons, string? Helplines = null, bool ShowMenu = false);

/// <summary>What the person sent: typed text, or a tapped button's action and argument.</summary>
public sealed record DialogInput(string? Text, string? Action = null, string? Argument = null);

/// <summary>Everything one turn of the engine reads and writes.</summary>
public sealed class DialogTurn(ConversationData data, string language, string channel, string conversationId, string emergency, string? countryGuess)
{
    public ConversationData Data { get; } = data;

    public string Language { get; } = language;

    public string Channel { get; } = channel;

    public string ConversationId { get; } = conversationId;

    public string Emergency { get; } = emergency;

    /// <summary>The country the person's locale or language suggests, to be confirmed.</summary>
    public string? CountryGuess { get; } = countryGuess;

    public List<DialogMessage> Output { get; } = [];

    /// <summary>How to reach the conversation again (a serialised conversation reference), for the hotline.</summary>
    public string? Reference { get; init; }

    /// <summary>Set when this turn put the conversation in the hotline's waiting room.</summary>
    public HandoffTicket? Queued { get; set; }

    /// <summary>What the analyser quoted from a message checked this turn: shown, never stored.</summary>
    public Dictionary<string, string> Evidence { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Runs the flows of <c>dialogs/flows/</c>: says, asks and waits for an answer, branches, calls sub-flows and
/// hands over to a person. All of its state is in <see cref="ConversationData"/>, so a conversation continues
/// after a restart or on another host; a flow whose file changed since the conversation entered it restarts
/// with an explanation, keeping what was collected.
/// </summary>
public sealed class DialogEngine(FlowSet flows, TextCatalog catalog, HelplineDirectory helplines, AnswerRecognizer recognizer, SafetyAnalyzer analyzer, IHandoffService handoff)
{
    public const string AnswerAction = "answer";

    /// <summary>The button that stops waiting for a person.</summary>
    public const string CancelWaitAction = "cancelwait";
    private const int MaxStepsPerTurn = 500;
    private const int MaxAttempts = 2;
    private const int MaxStackDepth = 8;
    private const int MaxSavedText = 1000;

    public FlowSet Flows => flows;

    public static bool IsActive(ConversationData data) => data.Dialog.Count > 0;

    /// <summary>The person is about to paste a message someone else wrote (it is analysed as received, not as their own words).</summary>
    public bool ExpectsReceivedMessage(ConversationData data) =>
        data.Dialog.Count > 0 && data.Dialog[^1] is { Waiting: true } frame
        && flows.Find(frame.Flow)?.Nodes.GetValueOrDefault(frame.Node) is { Type: NodeType.Ask, Analyze: "received" };

    /// <summary>Starts a flow from the menu or an interrupt: whatever ran before is left.</summary>
    public async Task StartAsync(DialogTurn turn, string flowId, CancellationToken cancellationToken)
    {
        var flow = flows.Find(flowId) ?? throw new ArgumentException($"No flow '{flowId}'.", nameof(flowId));
        turn.Data.Dialog.Clear();
        turn.Data.Dialog.Add(NewFrame(flow));
        await RunAsync(turn, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gives the person's message to the running flow. False when no flow is running.</summary>
    public async Task<bool> ContinueAsync(DialogTurn turn, DialogInput input, CancellationToken cancellationToken)
    {
        if (!IsActive(turn.Data))
        {
            if (input.Action == AnswerAction)
            {
                // An answer button of a flow that has ended.
                turn.Output.Add(new DialogMessage(Text(turn, "dialog.stale"), [], ShowMenu: true));
                return true;
            }

            return false;
        }

        if (!EnsureCurrent(turn))
        {
            await RunAsync(turn, cancellationToken).ConfigureAwait(false);
            return true;
        }

        var frame = turn.Data.Dialog[^1];
        var flow = flows.Find(frame.Flow)!;
        var node = flow.Nodes[frame.Node];
        if (!frame.Waiting || node.Type != NodeType.Ask)
        {
            await RunAsync(turn, cancellationToken).ConfigureAwait(false);
            return true;
        }

        string? answer;
        if (input.Action == AnswerAction)
        {
            var parts = (input.Argument ?? string.Empty).Split('-');
            if (parts.Length != 3 || parts[0] != flow.Id || parts[1] != node.Id)
            {
                turn.Output.Add(new DialogMessage(Text(turn, "dialog.stale"), []));
                Prompt(turn, flow, node, frame);
                return true;
            }

            answer = FromButton(node, parts[2]);
        }
        else
        {
            answer = Recognise(turn, node, input.Text ?? string.Empty);
        }

        if (answer is null)
        {
            frame.Attempts++;
            if (frame.Attempts >= MaxAttempts && node.Fallback is not null)
            {
                MoveTo(frame, node.Fallback);
                await RunAsync(turn, cancellationToken).ConfigureAwait(false);
                return true;
            }

            // Not understood might be a crisis the check missed: the emergency number is in every retry.
            var retry = Text(turn, node.Retry ?? "ask.retry." + node.Kind.ToString().ToLowerInvariant()) + "\n" + Text(turn, "helplines.emergency");
            turn.Output.Add(new DialogMessage(retry, []));
            Prompt(turn, flow, node, frame);
            return true;
        }

        Save(turn, frame, node, answer);
        var choiceNext = node.Kind == AskKind.Choice ? node.Choices.FirstOrDefault(c => c.Value == answer)?.Next : null;
        MoveTo(frame, choiceNext ?? node.Next);
        await RunAsync(turn, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Asks the current question again (after help or a change of language). False when no question is waiting.</summary>
    public bool Reprompt(DialogTurn turn)
    {
        if (!IsActive(turn.Data) || !EnsureCurrent(turn))
        {
            return false;
        }

        var frame = turn.Data.Dialog[^1];
        var flow = flows.Find(frame.Flow)!;
        var node = flow.Nodes[frame.Node];
        if (!frame.Waiting || node.Type != NodeType.Ask)
        {
            return false;
        }

        Prompt(turn, flow, node, frame);
        return true;
    }

    private static DialogFrame NewFrame(Flow flow) => new() { Flow = flow.Id, Version = flow.Version, Node = flow.Start };

    private static void MoveTo(DialogFrame frame, string? node)
    {
        frame.Node = node ?? string.Empty;
        frame.Waiting = false;
        frame.Attempts = 0;
    }

    /// <summary>
    /// The top frame's flow still exists with the same version and node; otherwise it restarts from the flow's
    /// start (values kept) with an explanation, or is dropped when its flow is gone. False when it changed.
    /// </summary>
    private bool EnsureCurrent(DialogTurn turn)
    {
        var changed = false;
        while (turn.Data.Dialog.Count > 0)
        {
            var frame = turn.Data.Dialog[^1];
            var flow = flows.Find(frame.Flow);
            if (flow is null)
            {
                turn.Data.Dialog.RemoveAt(turn.Data.Dialog.Count - 1);
                changed = true;
                continue;
            }

            if (flow.Version != frame.Version || (frame.Node.Length > 0 && !flow.Nodes.ContainsKey(frame.Node)))
            {
                frame.Version = flow.Version;
                MoveTo(frame, flow.Start);
                changed = true;
            }

            break;
        }

        if (changed)
        {
            turn.Output.Add(new DialogMessage(Text(turn, "dialog.updated"), [], ShowMenu: turn.Data.Dialog.Count == 0));
        }

        return !changed;
    }

    private async Task RunAsync(DialogTurn turn, CancellationToken cancellationToken)
    {
        for (var steps = 0; steps < MaxStepsPerTurn; steps++)
        {
            if (turn.Data.Dialog.Count == 0)
            {
                return;
            }

            if (!EnsureCurrent(turn))
            {
                continue;
            }

            var frame = turn.Data.Dialog[^1];
            var flow = flows.Find(frame.Flow)!;
            if (frame.Node.Length == 0)
            {
                End(turn, flow, frame, showMenu: true);
                continue;
            }

            var node = flow.Nodes[frame.Node];
            switch (node.Type)
            {
                case NodeType.Say:
                    turn.Output.Add(new DialogMessage(Text(turn, node.Text!, Placeholders(turn, frame, node)), [], node.Helplines));
                    MoveTo(frame, node.Next);
                    break;
                case NodeType.Ask:
                    frame.Waiting = true;
                    Prompt(turn, flow, node, frame);
                    return;
                case NodeType.Branch:
                    var scope = new Scope(turn, frame, flows);
                    MoveTo(frame, node.Cases.FirstOrDefault(c => c.If.Holds(scope)).Next ?? node.Else);
                    break;
                case NodeType.Set:
                    foreach (var (name, value) in node.Values)
                    {
                        frame.Values[name] = value;
                    }

                    foreach (var (target, source) in node.Copy)
                    {
                        Assign(turn, frame, target, new Scope(turn, frame, flows).Read(source));
                    }

                    MoveTo(frame, node.Next);
                    break;
                case NodeType.List:
                    List(turn, frame, node);
                    MoveTo(frame, node.Next);
                    break;
                case NodeType.Call:
                    MoveTo(frame, node.Next);
                    if (flows.Find(node.Flow!) is { } called && turn.Data.Dialog.Count < MaxStackDepth)
                    {
                        turn.Data.Dialog.Add(NewFrame(called));
                    }

                    break;
                case NodeType.Handoff:
                    await HandoffAsync(turn, node, cancellationToken).ConfigureAwait(false);
                    MoveTo(frame, node.Next);
                    break;
                case NodeType.End:
                    End(turn, flow, frame, node.Menu);
                    break;
            }
        }

        // A flow that loops without asking anything: leave it rather than spin.
        turn.Data.Dialog.Clear();
        turn.Output.Add(new DialogMessage(Text(turn, "fallback.not_understood"), [], ShowMenu: true));
    }

    private void End(DialogTurn turn, Flow flow, DialogFrame frame, bool showMenu)
    {
        if (flow.Keep && frame.Values.Count > 0)
        {
            turn.Data.Results[flow.Id] = new Dictionary<string, string>(frame.Values, StringComparer.Ordinal);
        }

        turn.Data.Dialog.RemoveAt(turn.Data.Dialog.Count - 1);
        if (turn.Data.Dialog.Count > 0)
        {
            return;
        }

        if (showMenu)
        {
            turn.Output.Add(new DialogMessage(Text(turn, "menu.prompt"), [], ShowMenu: true));
        }
        else if (turn.Output.Count > 0)
        {
            // A quiet end: the last message still offers a person, the helplines and a way out.
            turn.Output[^1] = turn.Output[^1] with { Buttons = [] };
        }
    }

    private void Prompt(DialogTurn turn, Flow flow, FlowNode node, DialogFrame frame)
    {
        DialogButton Button(string title, string value) => new(title, AnswerAction, $"{flow.Id}-{node.Id}-{value}");

        var buttons = new List<DialogButton>();
        switch (node.Kind)
        {
            case AskKind.Choice:
                buttons.AddRange(node.Choices.Select(c => Button(Text(turn, c.Text), c.Value)));
                break;
            case AskKind.YesNo:
                buttons.Add(Button(Text(turn, "answer.yes"), AnswerRecognizer.Yes));
                buttons.Add(Button(Text(turn, "answer.no"), AnswerRecognizer.No));
                break;
            case AskKind.Country:
                // Buttons for the countries where the person's language is spoken; any other country can be typed by name.
                buttons.AddRange(CountryChoices(turn, onlyTheLanguages: true).Select(c => Button(c.Title, c.Value)));
                break;
        }

        if (node.Skip)
        {
            buttons.Add(Button(Text(turn, "answer.skip"), "skip"));
        }

        turn.Output.Add(new DialogMessage(Text(turn, node.Text!, Placeholders(turn, frame, node)), buttons));
    }

    private static string? FromButton(FlowNode node, string value) => node.Kind switch
    {
        _ when value == "skip" => node.Skip ? value : null,
        AskKind.Choice => node.Choices.Any(c => c.Value == value) ? value : null,
        AskKind.YesNo => value is AnswerRecognizer.Yes or AnswerRecognizer.No ? value : null,
        AskKind.Country => value.Length is 2 or 5 ? value : null,
        _ => null,
    };

    /// <summary>The answer in the form it is saved, "skip", or null when it was not understood.</summary>
    private string? Recognise(DialogTurn turn, FlowNode node, string text)
    {
        if (node.Skip && recognizer.IsSkip(text, turn.Language))
        {
            return "skip";
        }

        switch (node.Kind)
        {
            case AskKind.Choice:
                // A typed yes or no answers a choice between "yes" and "no" too.
                return AnswerRecognizer.Choice(text, turn.Language, [.. node.Choices.Select(c => (c.Value, Text(turn, c.Text)))])
                    ?? (recognizer.YesNo(text, turn.Language) is { } yn && node.Choices.Any(c => c.Value == yn) ? yn : null);
            case AskKind.YesNo:
                var yesNo = recognizer.YesNo(text, turn.Language);
                return yesNo is AnswerRecognizer.Yes or AnswerRecognizer.No ? yesNo : null;
            case AskKind.Country:
                return AnswerRecognizer.Choice(text, turn.Language, [.. CountryChoices(turn, onlyTheLanguages: false)])
                    ?? AnswerRecognizer.Choice(text, TextCatalog.DefaultLanguage, [.. CountryChoices(turn, onlyTheLanguages: false, TextCatalog.DefaultLanguage)])
                    ?? (text.Trim().Length == 2 && helplines.Knows(text.Trim().ToUpperInvariant()) ? text.Trim().ToUpperInvariant() : null);
            case AskKind.Number:
            case AskKind.Age:
                var number = node.Kind == AskKind.Age ? AnswerRecognizer.Age(text, turn.Language) : AnswerRecognizer.Number(text, turn.Language);
                return number is { } n && (node.Min is null || n >= node.Min) && (node.Max is null || n <= node.Max)
                    ? n.ToString(CultureInfo.InvariantCulture)
                    : null;
            case AskKind.Url:
                return AnswerRecognizer.UrlHost(text);
            case AskKind.Date:
                return recognizer.Date(text, turn.Language)?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            default:
                var trimmed = text.Trim();
                if (trimmed.Length == 0)
                {
                    return null;
                }

                if (node.Analyze is not null && MessageRoles.TryParse(node.Analyze, out var role))
                {
                    // Only the categories are kept; the quotes are shown in this turn and forgotten.
                    var result = analyzer.Analyze(trimmed, turn.Language, role);
                    turn.Evidence.Clear();
                    foreach (var signal in result.Signals)
                    {
                        turn.Evidence.TryAdd(signal.Category, signal.Evidence);
                    }

                    return string.Join(',', result.Signals.Select(s => s.Category).Distinct(StringComparer.Ordinal));
                }

                // A forgotten answer (a message left for the team) lives only in the encrypted transcript.
                return node.Forget ? "given" : trimmed.Length > MaxSavedText ? trimmed[..MaxSavedText] : trimmed;
        }
    }

    private static void Save(DialogTurn turn, DialogFrame frame, FlowNode node, string answer)
    {
        if (answer == "skip")
        {
            frame.Values.Remove(node.Save!);
            return;
        }

        if (node.Kind == AskKind.Country && answer == "other")
        {
            answer = HelplineDirectory.DefaultRegion;
        }

        Assign(turn, frame, node.Save!, answer);
    }

    private static void Assign(DialogTurn turn, DialogFrame frame, string name, string? value)
    {
        if (name == "country")
        {
            turn.Data.Country = value;
            return;
        }

        if (value is null)
        {
            frame.Values.Remove(name);
        }
        else
        {
            frame.Values[name] = value;
        }
    }

    private List<(string Value, string Title)> CountryChoices(DialogTurn turn, bool onlyTheLanguages, string? language = null)
    {
        language ??= turn.Language;
        var countries = helplines.Countries.Where(c => c != HelplineDirectory.DefaultRegion && catalog.Keys.Contains("country.name." + c.ToLowerInvariant()))
            .Where(c => !onlyTheLanguages || helplines.For(c).Languages?.Contains(turn.Language) == true || c == turn.CountryGuess)
            .Select(c => (Value: c, Title: catalog.Format(language, "country.name." + c.ToLowerInvariant())))
            .OrderBy(c => c.Title, StringComparer.Create(CultureInfo.InvariantCulture, ignoreCase: true))
            .ToList();
        countries.Add(("other", catalog.Format(language, "helplines.other_country")));
        return countries;
    }

    private void List(DialogTurn turn, DialogFrame frame, FlowNode node)
    {
        var scope = new Scope(turn, frame, flows);
        var lines = new List<string>();
        foreach (var item in node.Items)
        {
            if (item.Signal is not null && new Condition.Signal(item.Signal).Holds(scope))
            {
                var evidence = turn.Evidence.GetValueOrDefault(item.Signal) ?? string.Empty;
                lines.Add(Text(turn, item.Text, [.. Placeholders(turn, frame, node), ("evidence", Quote(evidence))]));
            }
            else if (item.If?.Holds(scope) == true)
            {
                lines.Add(Text(turn, item.Text, Placeholders(turn, frame, node)));
            }
        }

        if (lines.Count == 0 && node.Intro is null)
        {
            return;
        }

        var intro = node.Intro is null ? null
            : catalog.IsPlural(node.Intro) ? catalog.FormatPlural(turn.Language, node.Intro, lines.Count, Placeholders(turn, frame, node))
            : Text(turn, node.Intro, Placeholders(turn, frame, node));
        turn.Output.Add(new DialogMessage(string.Join('\n', intro is null ? lines : lines.Prepend(intro)), []));
    }

    /// <summary>A quote from the person's message, shortened and on one line.</summary>
    private static string Quote(string evidence)
    {
        var oneLine = string.Join(' ', evidence.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return oneLine.Length > 80 ? oneLine[..77] + "…" : oneLine;
    }

    private async Task HandoffAsync(DialogTurn turn, FlowNode node, CancellationToken cancellationToken)
    {
        var results = turn.Data.Results.ToDictionary(r => r.Key, r => (IReadOnlyDictionary<string, string>)r.Value, StringComparer.Ordinal);
        var caller = turn.Data.Dialog.Count >= 2 ? turn.Data.Dialog[^2].Flow : null;
        var ticket = await handoff.RequestAsync(
            new HandoffRequest(turn.ConversationId, turn.Channel, turn.Language, turn.Data.Country, turn.Data.Crisis, results)
            {
                Topic = node.Offline ? "message" : caller, Reference = turn.Reference, Offline = node.Offline,
            },
            cancellationToken).ConfigureAwait(false);
        if (!ticket.Queued)
        {
            turn.Output.Add(new DialogMessage(Text(turn, node.Unavailable!), [], Helplines: "all"));
            return;
        }

        // The conversation now belongs to the waiting room: no flow runs on, no menu is pushed.
        turn.Queued = ticket;
        turn.Data.Dialog.Clear();
        var estimate = ticket.EstimatedMinutes > 0 ? " " + catalog.FormatPlural(turn.Language, "human.estimate", ticket.EstimatedMinutes) : string.Empty;
        turn.Output.Add(new DialogMessage(
            Text(turn, node.Queued!, [("position", ticket.Position.ToString(CultureInfo.InvariantCulture))]) + estimate,
            [new DialogButton(Text(turn, "human.cancel"), CancelWaitAction)]));
    }

    private (string Name, string Value)[] Placeholders(DialogTurn turn, DialogFrame frame, FlowNode node)
    {
        var scope = new Scope(turn, frame, flows);
        var values = new List<(string, string)>(frame.Values.Select(v => (v.Key, v.Value)));
        foreach (var (name, variable) in node.Placeholders)
        {
            if (variable.StartsWith("country:", StringComparison.Ordinal))
            {
                var code = scope.Read(variable["country:".Length..]);
                var key = code is null ? "country.default" : "country." + code.ToLowerInvariant();
                values.Add((name, Text(turn, catalog.Keys.Contains(key) ? key : "country.default")));
            }
            else
            {
                values.Add((name, scope.Read(variable) ?? string.Empty));
            }
        }

        return [.. values];
    }

    private string Text(DialogTurn turn, string key, params (string Name, string Value)[] values) =>
        catalog.Format(turn.Language, key, [("emergency", turn.Emergency), .. values]);

    private sealed class Scope(DialogTurn turn, DialogFrame frame, FlowSet flows) : IConditionScope
    {
        public string Channel => turn.Channel;

        public string? Read(string variable) => variable switch
        {
            "country" => turn.Data.Country,
            "countryGuess" => turn.CountryGuess,
            "language" => turn.Language,
            _ => frame.Values.GetValueOrDefault(variable),
        };

        public bool FlowExists(string flow) => flows.Contains(flow);
    }
}
