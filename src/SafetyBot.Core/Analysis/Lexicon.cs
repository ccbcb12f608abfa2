using System.Collections.Frozen;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using SafetyBot.Core.Localization;

namespace SafetyBot.Core.Analysis;

/// <summary>One rule of a language file: patterns that show one warning-sign category.</summary>
public sealed record LexiconRule(
    string Id,
    string Category,
    IReadOnlyList<string> Match,
    IReadOnlyList<string> With,
    IReadOnlyList<string> Unless,
    MessageRoleMask Roles,
    IReadOnlyList<string> Examples,
    IReadOnlyList<string> NotExamples,
    string Path);

[Flags]
public enum MessageRoleMask
{
    User = 1,
    Received = 2,
    Any = User | Received,
}

/// <summary>
/// A language file of <c>analysis/</c>: how to recognise the language, and the rules. The format is described
/// in <c>analysis/README.md</c> and <c>analysis/lexicon.schema.json</c>. Loading checks everything a compiled
/// rule depends on and names the file and the JSON path of any problem.
/// </summary>
public sealed class Lexicon
{
    private Lexicon(string file, string code)
    {
        File = file;
        Code = code;
    }

    public string File { get; }

    public string Code { get; }

    public string Name { get; private set; } = string.Empty;

    public string Script { get; private set; } = "Latin";

    public string Review { get; private set; } = "draft";

    public IReadOnlyList<string> DetectWords { get; private set; } = [];

    public string DetectLetters { get; private set; } = string.Empty;

    public IReadOnlyList<string> LatinWords { get; private set; } = [];

    public FrozenDictionary<char, string> Fold { get; private set; } = FrozenDictionary<char, string>.Empty;

    /// <summary>Latin spelling → native letters, longest first.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Transliterate { get; private set; } = [];

    public FrozenDictionary<string, IReadOnlyList<string>> Terms { get; private set; } = FrozenDictionary<string, IReadOnlyList<string>>.Empty;

    public IReadOnlyList<LexiconRule> Rules { get; private set; } = [];

    public static readonly IReadOnlySet<string> Scripts = new HashSet<string>(StringComparer.Ordinal) { "Latin", "Cyrillic", "Arabic" };

    /// <summary>Loads every <c>*.json</c> language file of <paramref name="folder"/> (the schema file excepted).</summary>
    public static IReadOnlyList<Lexicon> LoadFolder(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new ContentValidationException(folder, "the analysis folder is missing");
        }

        var files = Directory.GetFiles(folder, "*.json")
            .Where(f => !System.IO.Path.GetFileName(f).Contains(".schema.", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
        {
            throw new ContentValidationException(folder, "no language files (*.json)");
        }

        return files.Select(Load).ToList();
    }

    public static Lexicon Load(string file)
    {
        var code = System.IO.Path.GetFileNameWithoutExtension(file);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(System.IO.File.ReadAllText(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new ContentValidationException(file, $"not valid JSON (line {ex.LineNumber + 1}): {ex.Message}");
        }

        using (document)
        {
            var lexicon = new Lexicon(file, code);
            lexicon.Read(document.RootElement);
            return lexicon; // patterns are checked when they are compiled (SafetyAnalyzer), with their path
        }
    }

    private ContentValidationException Error(string path, string reason) => new(File, $"{path}: {reason}");

    private void Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Error("$", "the file must hold one JSON object");
        }

        var meta = Object(root, "$meta", required: true);
        var language = String(meta, "$meta.language", "language", required: true);
        if (language != Code)
        {
            throw Error("$meta.language", $"'{language}' does not match the file name '{Code}'");
        }

        Name = String(meta, "$meta.name", "name", required: true)!;
        Script = String(meta, "$meta.script", "script", required: true)!;
        if (!Scripts.Contains(Script))
        {
            throw Error("$meta.script", $"'{Script}' is not one of {string.Join(", ", Scripts)}");
        }

        Review = String(meta, "$meta.review", "review", required: true)!;
        if (Review is not ("draft" or "native-reviewed"))
        {
            throw Error("$meta.review", "must be 'draft' or 'native-reviewed'");
        }

        var detect = Object(root, "detect", required: true);
        DetectWords = Strings(detect, "detect.words", "words", required: true);
        DetectLetters = String(detect, "detect.letters", "letters", required: false) ?? string.Empty;
        LatinWords = Strings(detect, "detect.latinWords", "latinWords", required: false);

        var fold = Object(root, "fold", required: false);
        if (fold.ValueKind == JsonValueKind.Object)
        {
            var map = new Dictionary<char, string>();
            foreach (var p in fold.EnumerateObject())
            {
                if (p.Name.Length != 1 || p.Value.ValueKind != JsonValueKind.String)
                {
                    throw Error($"fold.{p.Name}", "each key must be one letter and each value a string (may be empty)");
                }

                map[TextFolding.Fold(p.Name[0])] = p.Value.GetString()!;
            }

            Fold = map.ToFrozenDictionary();
        }

        var translit = Object(root, "transliterate", required: false);
        if (translit.ValueKind == JsonValueKind.Object)
        {
            var pairs = new List<KeyValuePair<string, string>>();
            foreach (var p in translit.EnumerateObject())
            {
                if (p.Name.Length == 0 || !p.Name.All(ch => ch is >= 'a' and <= 'z') || p.Value.ValueKind != JsonValueKind.String)
                {
                    throw Error($"transliterate.{p.Name}", "keys are lower-case Latin letters, values native letters");
                }

                pairs.Add(new(p.Name, FoldForLanguage(p.Value.GetString()!)));
            }

            Transliterate = pairs.OrderByDescending(p => p.Key.Length).ToList();
        }

        var terms = Object(root, "terms", required: false);
        var termMap = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (terms.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in terms.EnumerateObject())
            {
                termMap[p.Name] = Strings(terms, $"terms.{p.Name}", p.Name, required: true);
            }
        }

        Terms = termMap.ToFrozenDictionary(StringComparer.Ordinal);

        if (!root.TryGetProperty("rules", out var rules) || rules.ValueKind != JsonValueKind.Array || rules.GetArrayLength() == 0)
        {
            throw Error("rules", "a non-empty array of rules is required");
        }

        var list = new List<LexiconRule>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var rule in rules.EnumerateArray())
        {
            var path = $"rules[{index++}]";
            if (rule.ValueKind != JsonValueKind.Object)
            {
                throw Error(path, "each rule is an object");
            }

            var id = String(rule, $"{path}.id", "id", required: true)!;
            path = $"{path} ({id})";
            if (!ids.Add(id))
            {
                throw Error(path, $"duplicate rule id '{id}'");
            }

            var category = String(rule, $"{path}.category", "category", required: true)!;
            if (!SignalCategories.Order.ContainsKey(category))
            {
                throw Error($"{path}.category", $"unknown category '{category}' (known: {string.Join(", ", SignalCategories.All)})");
            }

            var roles = MessageRoleMask.Any;
            var roleNames = Strings(rule, $"{path}.roles", "roles", required: false);
            if (roleNames.Count > 0)
            {
                roles = 0;
                foreach (var r in roleNames)
                {
                    roles |= r switch
                    {
                        "user" => MessageRoleMask.User,
                        "received" => MessageRoleMask.Received,
                        _ => throw Error($"{path}.roles", $"unknown role '{r}' (user, received)"),
                    };
                }
            }

            list.Add(new LexiconRule(
                id,
                category,
                Strings(rule, $"{path}.match", "match", required: true),
                Strings(rule, $"{path}.with", "with", required: false),
                Strings(rule, $"{path}.unless", "unless", required: false),
                roles,
                Strings(rule, $"{path}.examples", "examples", required: false),
                Strings(rule, $"{path}.notExamples", "notExamples", required: false),
                path));
        }

        Rules = list;
    }

    private JsonElement Object(JsonElement parent, string name, bool required)
    {
        if (parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object)
        {
            return value;
        }

        return required ? throw Error(name, "an object is required") : default;
    }

    private string? String(JsonElement parent, string path, string name, bool required)
    {
        if (parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString()))
        {
            return value.GetString();
        }

        return required ? throw Error(path, "a non-empty string is required") : null;
    }

    private List<string> Strings(JsonElement parent, string path, string name, bool required)
    {
        if (!parent.TryGetProperty(name, out var value))
        {
            return required ? throw Error(path, "a non-empty array of strings is required") : [];
        }

        if (value.ValueKind != JsonValueKind.Array || (required && value.GetArrayLength() == 0))
        {
            throw Error(path, "a non-empty array of strings is required");
        }

        var list = new List<string>();
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(item.GetString()))
            {
                throw Error($"{path}[{i}]", "must be a non-empty string");
            }

            list.Add(item.GetString()!);
            i++;
        }

        return list;
    }

    /// <summary>Folds text the way this language's rules see it (shared folding, then the language's own).</summary>
    internal string FoldForLanguage(string text)
    {
        var folded = TextFolding.FoldString(text);
        if (Fold.Count == 0)
        {
            return folded;
        }

        var sb = new StringBuilder(folded.Length);
        foreach (var c in folded)
        {
            if (Fold.TryGetValue(c, out var r))
            {
                sb.Append(r);
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    internal ContentValidationException PatternError(string path, string reason) => Error(path, reason);
}
