using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using SafetyBot.Core.Analysis;
using SafetyBot.Core.Localization;

namespace SafetyBot.Core.Dialogs;

/// <summary>
/// Every flow in <c>dialogs/flows/</c>, read and checked once at start-up. A broken file stops start-up with
/// the file, the JSON path and the reason: unknown node type or field, dangling reference, unknown text key,
/// or a placeholder that nothing fills.
/// </summary>
public sealed partial class FlowSet
{
    /// <summary>Variables every flow can read; <c>country</c> can also be written (an ask of kind country, or set).</summary>
    public static readonly FrozenSet<string> ConversationVariables = FrozenSet.Create(StringComparer.Ordinal, "country", "countryGuess", "language");

    /// <summary>Placeholders SafetyBot fills in every text.</summary>
    public static readonly FrozenSet<string> GlobalPlaceholders = FrozenSet.Create(StringComparer.Ordinal, "emergency");

    private readonly FrozenDictionary<string, Flow> _flows;

    private FlowSet(Dictionary<string, Flow> flows) => _flows = flows.ToFrozenDictionary(StringComparer.Ordinal);

    public IEnumerable<Flow> Flows => _flows.Values;

    public bool Contains(string id) => _flows.ContainsKey(id);

    public Flow? Find(string id) => _flows.GetValueOrDefault(id);

    /// <summary>Every text key a flow uses (for the coverage table).</summary>
    public IEnumerable<string> TextKeys() => _flows.Values.SelectMany(f => f.Nodes.Values).SelectMany(KeysOf).Distinct(StringComparer.Ordinal);

    public static FlowSet Load(string folder, TextCatalog catalog)
    {
        if (!Directory.Exists(folder))
        {
            throw new ContentValidationException(folder, "the flows folder does not exist");
        }

        var files = Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal).ToList();
        var flows = new Dictionary<string, Flow>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var flow = new FlowReader(file, catalog).Read();
            flows.Add(flow.Id, flow);
        }

        // References between flows are checked once all are read.
        foreach (var flow in flows.Values)
        {
            foreach (var node in flow.Nodes.Values.Where(n => n.Type == NodeType.Call && !n.Optional && !flows.ContainsKey(n.Flow!)))
            {
                throw new ContentValidationException(flow.File, $"nodes.{node.Id}.flow: no flow '{node.Flow}' in {folder}");
            }
        }

        return new FlowSet(flows);
    }

    internal static IEnumerable<string> KeysOf(FlowNode node)
    {
        string?[] single = [node.Text, node.Retry, node.Queued, node.Unavailable];
        foreach (var key in single.Where(k => k is not null))
        {
            yield return key!;
        }

        foreach (var choice in node.Choices)
        {
            yield return choice.Text;
        }

        foreach (var item in node.Items)
        {
            yield return item.Text;
        }

        if (node.Intro is not null)
        {
            yield return node.Intro;
        }
    }

    /// <summary>Reads one flow file, keeping a JSON path for every error.</summary>
    private sealed class FlowReader(string file, TextCatalog catalog)
    {
        private static readonly FrozenDictionary<NodeType, string[]> Fields = new Dictionary<NodeType, string[]>
        {
            [NodeType.Say] = ["text", "helplines", "placeholders", "next"],
            [NodeType.Ask] = ["kind", "text", "save", "choices", "skip", "retry", "analyze", "forget", "min", "max", "fallback", "placeholders", "next"],
            [NodeType.Branch] = ["cases", "else"],
            [NodeType.Set] = ["values", "copy", "next"],
            [NodeType.List] = ["intro", "items", "next"],
            [NodeType.Call] = ["flow", "optional", "next"],
            [NodeType.Handoff] = ["queued", "unavailable", "offline", "next"],
            [NodeType.End] = ["menu"],
        }.ToFrozenDictionary();

        private readonly HashSet<string> _written = new(StringComparer.Ordinal);

        public Flow Read()
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(File.ReadAllText(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
            }
            catch (JsonException ex)
            {
                throw Fail($"line {(ex.LineNumber ?? 0) + 1}: not valid JSON ({ex.Message})");
            }

            using (document)
            {
                var root = document.RootElement;
                RequireObject(root, "(root)");
                OnlyFields(root, "(root)", ["$schema", "$comment", "id", "version", "description", "keep", "start", "nodes"]);
                var id = RequiredString(root, "id", "id");
                if (!FlowId().IsMatch(id) || id != Path.GetFileNameWithoutExtension(file))
                {
                    throw Fail($"id: '{id}' must be the file's name, lower-case letters, digits and _ (at most 16)");
                }

                var version = root.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n >= 1
                    ? n
                    : throw Fail("version: a whole number from 1 is required (raise it when a change means a conversation in the middle of the flow cannot continue)");
                var keep = OptionalBool(root, "keep", "keep") ?? false;
                var start = RequiredString(root, "start", "start");

                if (!root.TryGetProperty("nodes", out var nodesElement) || nodesElement.ValueKind != JsonValueKind.Object)
                {
                    throw Fail("nodes: an object of node id → node is required");
                }

                var nodes = new Dictionary<string, FlowNode>(StringComparer.Ordinal);
                foreach (var property in nodesElement.EnumerateObject())
                {
                    var path = "nodes." + property.Name;
                    if (!NodeId().IsMatch(property.Name))
                    {
                        throw Fail($"{path}: a node id is lower-case letters, digits and _ (at most 20)");
                    }

                    nodes[property.Name] = ReadNode(property.Name, property.Value, path);
                }

                if (!nodes.ContainsKey(start))
                {
                    throw Fail($"start: no node '{start}'");
                }

                CheckReferences(nodes);
                return new Flow(id, version, start, keep, file, nodes.ToFrozenDictionary(StringComparer.Ordinal));
            }
        }

        private FlowNode ReadNode(string id, JsonElement element, string path)
        {
            RequireObject(element, path);
            var typeName = RequiredString(element, "type", path + ".type");
            if (!Enum.TryParse<NodeType>(typeName, ignoreCase: true, out var type) || !typeName.All(char.IsAsciiLetterLower))
            {
                throw Fail($"{path}.type: unknown node type '{typeName}' (say, ask, branch, set, list, call, handoff, end)");
            }

            OnlyFields(element, path, ["type", "$comment", .. Fields[type]]);
            var placeholders = ReadStringMap(element, "placeholders", path);
            foreach (var (name, variable) in placeholders)
            {
                Variable(variable.StartsWith("country:", StringComparison.Ordinal) ? variable["country:".Length..] : variable, $"{path}.placeholders.{name}");
            }

            return type switch
            {
                NodeType.Say => new FlowNode
                {
                    Id = id, Type = type, Text = Key(element, "text", path, required: true), Next = OptionalString(element, "next", path),
                    Helplines = ReadHelplines(element, path), Placeholders = placeholders,
                },
                NodeType.Ask => ReadAsk(id, element, path, placeholders),
                NodeType.Branch => new FlowNode
                {
                    Id = id, Type = type, Else = OptionalString(element, "else", path),
                    Cases = ReadArray(element, "cases", path, required: true).Select(c =>
                    {
                        RequireObject(c.Element, c.Path);
                        OnlyFields(c.Element, c.Path, ["if", "next", "$comment"]);
                        var condition = c.Element.TryGetProperty("if", out var cond) ? ReadCondition(cond, c.Path + ".if") : throw Fail($"{c.Path}.if is required");
                        return (condition, RequiredString(c.Element, "next", c.Path + ".next"));
                    }).ToList(),
                },
                NodeType.Set => ReadSet(id, element, path),
                NodeType.List => new FlowNode
                {
                    Id = id, Type = type, Intro = ReadIntro(element, path), Next = OptionalString(element, "next", path),
                    Items = ReadArray(element, "items", path, required: true).Select(ReadListItem).ToList(),
                },
                NodeType.Call => new FlowNode
                {
                    Id = id, Type = type, Flow = RequiredString(element, "flow", path + ".flow"), Next = OptionalString(element, "next", path),
                    Optional = OptionalBool(element, "optional", path + ".optional") ?? false,
                },
                NodeType.Handoff => new FlowNode
                {
                    Id = id, Type = type, Queued = Key(element, "queued", path, required: true),
                    Unavailable = Key(element, "unavailable", path, required: true), Next = OptionalString(element, "next", path),
                    Offline = OptionalBool(element, "offline", path + ".offline") ?? false,
                },
                _ => new FlowNode { Id = id, Type = type, Menu = OptionalBool(element, "menu", path + ".menu") ?? true },
            };
        }

        private FlowNode ReadAsk(string id, JsonElement element, string path, IReadOnlyDictionary<string, string> placeholders)
        {
            var kindName = RequiredString(element, "kind", path + ".kind");
            if (!Enum.TryParse<AskKind>(kindName, ignoreCase: true, out var kind) || !kindName.All(char.IsAsciiLetterLower))
            {
                throw Fail($"{path}.kind: unknown kind '{kindName}' (choice, yesno, text, number, age, url, date, country)");
            }

            var save = RequiredString(element, "save", path + ".save");
            Variable(save, path + ".save", write: true);
            if (FlowSet.ConversationVariables.Contains(save) && !(save == "country" && kind == AskKind.Country))
            {
                throw Fail($"{path}.save: '{save}' belongs to the conversation; only an ask of kind country may write 'country'");
            }

            var choices = ReadArray(element, "choices", path, required: kind == AskKind.Choice).Select(c =>
            {
                RequireObject(c.Element, c.Path);
                OnlyFields(c.Element, c.Path, ["value", "text", "next", "$comment"]);
                var value = RequiredString(c.Element, "value", c.Path + ".value");
                if (!ChoiceValue().IsMatch(value))
                {
                    throw Fail($"{c.Path}.value: '{value}' must be lower-case letters, digits and _ (at most 16)");
                }

                return new FlowChoice(value, Key(c.Element, "text", c.Path, required: true)!, OptionalString(c.Element, "next", c.Path));
            }).ToList();
            if (kind != AskKind.Choice && choices.Count > 0)
            {
                throw Fail($"{path}.choices: only an ask of kind choice has choices");
            }

            if (choices.Select(c => c.Value).Distinct(StringComparer.Ordinal).Count() != choices.Count)
            {
                throw Fail($"{path}.choices: two choices have the same value");
            }

            var analyze = OptionalString(element, "analyze", path);
            if (analyze is not null && (kind != AskKind.Text || !MessageRoles.TryParse(analyze, out _)))
            {
                throw Fail($"{path}.analyze: only an ask of kind text can be analysed, with role \"received\" or \"user\"");
            }

            if (analyze is not null && save != Condition.SignalsVariable)
            {
                throw Fail($"{path}.save: an analysed answer is saved as '{Condition.SignalsVariable}' (the categories found, never the text)");
            }

            var forget = OptionalBool(element, "forget", path + ".forget") ?? false;
            if (forget && kind != AskKind.Text)
            {
                throw Fail($"{path}.forget: only an ask of kind text can be forgotten");
            }

            return new FlowNode
            {
                Id = id, Type = NodeType.Ask, Kind = kind, Text = Key(element, "text", path, required: true), Save = save, Choices = choices,
                Skip = OptionalBool(element, "skip", path + ".skip") ?? false, Retry = Key(element, "retry", path, required: false),
                Analyze = analyze, Forget = forget, Min = OptionalInt(element, "min", path), Max = OptionalInt(element, "max", path),
                Fallback = OptionalString(element, "fallback", path), Next = OptionalString(element, "next", path), Placeholders = placeholders,
            };
        }

        private FlowNode ReadSet(string id, JsonElement element, string path)
        {
            var values = ReadStringMap(element, "values", path);
            var copy = ReadStringMap(element, "copy", path);
            if (values.Count + copy.Count == 0)
            {
                throw Fail($"{path}: a set node needs \"values\" or \"copy\"");
            }

            foreach (var name in values.Keys)
            {
                Variable(name, $"{path}.values.{name}", write: true);
                if (FlowSet.ConversationVariables.Contains(name))
                {
                    throw Fail($"{path}.values.{name}: '{name}' belongs to the conversation and cannot be set to a fixed value");
                }
            }

            foreach (var (target, source) in copy)
            {
                Variable(target, $"{path}.copy.{target}", write: true);
                Variable(source, $"{path}.copy.{target}");
                if (FlowSet.ConversationVariables.Contains(target) && target != "country")
                {
                    throw Fail($"{path}.copy.{target}: '{target}' cannot be written by a flow");
                }
            }

            return new FlowNode { Id = id, Type = NodeType.Set, Values = values, Copy = copy, Next = OptionalString(element, "next", path) };
        }

        private string? ReadIntro(JsonElement element, string path)
        {
            if (!element.TryGetProperty("intro", out var intro))
            {
                return null;
            }

            var key = intro.ValueKind == JsonValueKind.String ? intro.GetString()! : throw Fail($"{path}.intro must be a text key");
            if (!catalog.Keys.Contains(key) && !catalog.IsPlural(key))
            {
                throw Fail($"{path}.intro: unknown text key '{key}'");
            }

            return key;
        }

        private FlowListItem ReadListItem((JsonElement Element, string Path) item)
        {
            RequireObject(item.Element, item.Path);
            OnlyFields(item.Element, item.Path, ["if", "signal", "text", "$comment"]);
            var condition = item.Element.TryGetProperty("if", out var cond) ? ReadCondition(cond, item.Path + ".if") : null;
            var signal = OptionalString(item.Element, "signal", item.Path);
            if ((condition is null) == (signal is null))
            {
                throw Fail($"{item.Path}: a list item needs exactly one of \"if\" and \"signal\"");
            }

            if (signal is not null && !SignalCategories.All.Contains(signal))
            {
                throw Fail($"{item.Path}.signal: unknown category '{signal}' ({string.Join(", ", SignalCategories.All)})");
            }

            return new FlowListItem(condition, signal, Key(item.Element, "text", item.Path, required: true)!);
        }

        private string? ReadHelplines(JsonElement element, string path)
        {
            var which = OptionalString(element, "helplines", path);
            if (which is not null && which != "all" && !catalog.Keys.Contains("helpline." + which))
            {
                throw Fail($"{path}.helplines: '{which}' is not \"all\" or a helpline label (helpline.{which} is not a text key)");
            }

            return which;
        }

        private Condition ReadCondition(JsonElement element, string path)
        {
            RequireObject(element, path);
            if (element.TryGetProperty("any", out var any) || element.TryGetProperty("all", out any))
            {
                OnlyFields(element, path, ["any", "all"]);
                var name = element.TryGetProperty("any", out _) ? "any" : "all";
                if (any.ValueKind != JsonValueKind.Array || any.GetArrayLength() == 0)
                {
                    throw Fail($"{path}.{name} must be a non-empty array of conditions");
                }

                var inner = any.EnumerateArray().Select((c, i) => ReadCondition(c, $"{path}.{name}[{i}]")).ToList();
                return name == "any" ? new Condition.AnyOf(inner) : new Condition.AllOf(inner);
            }

            if (element.TryGetProperty("not", out var not))
            {
                OnlyFields(element, path, ["not"]);
                return new Condition.Negation(ReadCondition(not, path + ".not"));
            }

            if (element.TryGetProperty("signal", out _))
            {
                OnlyFields(element, path, ["signal"]);
                var category = RequiredString(element, "signal", path + ".signal");
                if (category != "any" && !SignalCategories.All.Contains(category))
                {
                    throw Fail($"{path}.signal: unknown category '{category}'");
                }

                Variable(Condition.SignalsVariable, path + ".signal");
                return new Condition.Signal(category);
            }

            if (element.TryGetProperty("channel", out _))
            {
                OnlyFields(element, path, ["channel"]);
                return new Condition.OnChannel(RequiredString(element, "channel", path + ".channel"));
            }

            if (element.TryGetProperty("flow", out _))
            {
                OnlyFields(element, path, ["flow"]);
                return new Condition.FlowInstalled(RequiredString(element, "flow", path + ".flow"));
            }

            if (element.TryGetProperty("count", out var count))
            {
                OnlyFields(element, path, ["count", "equals", "atLeast"]);
                if (count.ValueKind != JsonValueKind.Array || count.GetArrayLength() == 0 || count.EnumerateArray().Any(c => c.ValueKind != JsonValueKind.String))
                {
                    throw Fail($"{path}.count must be a non-empty array of variable names");
                }

                var variables = count.EnumerateArray().Select(c => c.GetString()!).ToList();
                variables.ForEach(v => Variable(v, path + ".count"));
                return new Condition.Count(variables, RequiredString(element, "equals", path + ".equals"),
                    OptionalInt(element, "atLeast", path) ?? throw Fail($"{path}.atLeast is required"));
            }

            OnlyFields(element, path, ["var", "equals", "exists", "lessThan", "atLeast"]);
            var variable = RequiredString(element, "var", path + ".var");
            Variable(variable, path + ".var");
            if (element.TryGetProperty("equals", out var equals))
            {
                return new Condition.Equal(variable, equals.ValueKind == JsonValueKind.String ? equals.GetString()! : throw Fail($"{path}.equals must be a string"));
            }

            if (element.TryGetProperty("exists", out _))
            {
                return new Condition.Exists(variable, OptionalBool(element, "exists", path + ".exists")!.Value);
            }

            var lessThan = OptionalInt(element, "lessThan", path);
            var atLeast = OptionalInt(element, "atLeast", path);
            return lessThan is null && atLeast is null
                ? throw Fail($"{path}: a condition on a variable needs equals, exists, lessThan or atLeast")
                : new Condition.Compare(variable, lessThan, atLeast);
        }

        /// <summary>Dangling references, variables read but never written, and placeholders nothing fills.</summary>
        private void CheckReferences(Dictionary<string, FlowNode> nodes)
        {
            void Target(string? target, string path)
            {
                if (target is not null && !nodes.ContainsKey(target))
                {
                    throw Fail($"{path}: no node '{target}'");
                }
            }

            foreach (var node in nodes.Values)
            {
                var path = "nodes." + node.Id;
                Target(node.Next, path + ".next");
                Target(node.Fallback, path + ".fallback");
                Target(node.Else, path + ".else");
                for (var i = 0; i < node.Cases.Count; i++)
                {
                    Target(node.Cases[i].Next, $"{path}.cases[{i}].next");
                }

                for (var i = 0; i < node.Choices.Count; i++)
                {
                    Target(node.Choices[i].Next, $"{path}.choices[{i}].next");
                }

                if (node.Type == NodeType.Branch && node.Else is null)
                {
                    throw Fail($"{path}.else is required (where to go when no case holds)");
                }

                foreach (var variable in node.Cases.SelectMany(c => c.If.Reads()).Concat(node.Items.Where(i => i.If is not null).SelectMany(i => i.If!.Reads()))
                    .Concat(node.Copy.Values).Concat(node.Placeholders.Values.Select(v => v.Replace("country:", string.Empty, StringComparison.Ordinal))))
                {
                    if (!_written.Contains(variable) && !FlowSet.ConversationVariables.Contains(variable))
                    {
                        throw Fail($"{path}: reads variable '{variable}', which nothing in this flow sets");
                    }
                }

                CheckPlaceholders(node, path);
            }
        }

        private void CheckPlaceholders(FlowNode node, string path)
        {
            var available = new HashSet<string>(FlowSet.GlobalPlaceholders, StringComparer.Ordinal);
            available.UnionWith(node.Placeholders.Keys);
            available.UnionWith(_written);
            foreach (var key in KeysOf(node))
            {
                var extra = new HashSet<string>(StringComparer.Ordinal);
                if (node.Type == NodeType.Handoff)
                {
                    extra.Add("position");
                }

                if (node.Items.Any(i => i.Text == key && i.Signal is not null))
                {
                    extra.Add("evidence");
                }

                var text = catalog.IsPlural(key) ? catalog.Get(TextCatalog.DefaultLanguage, key + "_other") : catalog.Get(TextCatalog.DefaultLanguage, key);
                if (catalog.IsPlural(key))
                {
                    extra.Add("count");
                }

                foreach (var name in TextCatalog.Placeholders(text).Where(p => !available.Contains(p) && !extra.Contains(p)))
                {
                    throw Fail($"{path}: text '{key}' has the placeholder {{{name}}}, which nothing fills here");
                }
            }
        }

        private string? Key(JsonElement element, string name, string path, bool required)
        {
            var key = required ? RequiredString(element, name, $"{path}.{name}") : OptionalString(element, name, path);
            if (key is not null && !catalog.Keys.Contains(key))
            {
                throw Fail($"{path}.{name}: unknown text key '{key}' (not in localization/en.json)");
            }

            return key;
        }

        private void Variable(string name, string path, bool write = false)
        {
            if (!VariableName().IsMatch(name))
            {
                throw Fail($"{path}: '{name}' is not a valid variable name (a letter, then letters, digits or _; at most 32)");
            }

            if (write)
            {
                _written.Add(name);
            }
        }

        private List<(JsonElement Element, string Path)> ReadArray(JsonElement element, string name, string path, bool required)
        {
            if (!element.TryGetProperty(name, out var array))
            {
                return required ? throw Fail($"{path}.{name} is required") : [];
            }

            if (array.ValueKind != JsonValueKind.Array || (required && array.GetArrayLength() == 0))
            {
                throw Fail($"{path}.{name} must be a non-empty array");
            }

            return array.EnumerateArray().Select((e, i) => (e, $"{path}.{name}[{i}]")).ToList();
        }

        private FrozenDictionary<string, string> ReadStringMap(JsonElement element, string name, string path)
        {
            if (!element.TryGetProperty(name, out var map))
            {
                return FrozenDictionary<string, string>.Empty;
            }

            if (map.ValueKind != JsonValueKind.Object || map.EnumerateObject().Any(p => p.Value.ValueKind != JsonValueKind.String))
            {
                throw Fail($"{path}.{name} must be an object of name → text");
            }

            return map.EnumerateObject().ToFrozenDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
        }

        private void OnlyFields(JsonElement element, string path, string[] allowed)
        {
            foreach (var property in element.EnumerateObject().Where(p => !allowed.Contains(p.Name)))
            {
                throw Fail($"{path}.{property.Name}: unknown field (allowed here: {string.Join(", ", allowed.Where(a => a != "$comment"))})");
            }
        }

        private void RequireObject(JsonElement element, string path)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw Fail($"{path} must be a JSON object");
            }
        }

        private string RequiredString(JsonElement element, string name, string path) =>
            element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
                ? text
                : throw Fail($"{path}: a non-empty string is required");

        private string? OptionalString(JsonElement element, string name, string path) =>
            !element.TryGetProperty(name, out var value) ? null
            : value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text
            : throw Fail($"{path}.{name} must be a non-empty string");

        private bool? OptionalBool(JsonElement element, string name, string path) =>
            !element.TryGetProperty(name, out var value) ? null
            : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
            : throw Fail($"{path} must be true or false");

        private int? OptionalInt(JsonElement element, string name, string path) =>
            !element.TryGetProperty(name, out var value) ? null
            : value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) ? n
            : throw Fail($"{path}.{name} must be a whole number");

        private ContentValidationException Fail(string reason) => new(file, reason);
    }

    [GeneratedRegex(@"^[a-z][a-z0-9_]{0,15}$", RegexOptions.CultureInvariant)]
    private static partial Regex FlowId();

    [GeneratedRegex(@"^[a-z][a-z0-9_]{0,19}$", RegexOptions.CultureInvariant)]
    private static partial Regex NodeId();

    [GeneratedRegex(@"^[a-z0-9_]{1,16}$", RegexOptions.CultureInvariant)]
    private static partial Regex ChoiceValue();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_]{0,31}$", RegexOptions.CultureInvariant)]
    private static partial Regex VariableName();
}

/// <summary>Parses the role names used in flow files.</summary>
internal static class MessageRoles
{
    public static bool TryParse(string name, out MessageRole role)
    {
        role = name switch { "received" => MessageRole.Received, _ => MessageRole.User };
        return name is "received" or "user";
    }
}
