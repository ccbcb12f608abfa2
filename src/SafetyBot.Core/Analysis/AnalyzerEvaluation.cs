using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SafetyBot.Core.Analysis;

/// <summary>One labelled message of the corpus (<c>tests/data/analysis/corpus/*.jsonl</c>).</summary>
public sealed record LabelledMessage(string Id, string Language, MessageRole Role, string Text, IReadOnlyList<string> Expect, string? Note)
{
    public bool IsBenign => Expect.Count == 0;

    public static IReadOnlyList<LabelledMessage> LoadFolder(string folder) =>
        Directory.GetFiles(folder, "*.jsonl").Order(StringComparer.Ordinal).SelectMany(LoadFile).ToList();

    public static IEnumerable<LabelledMessage> LoadFile(string file)
    {
        var language = Path.GetFileNameWithoutExtension(file);
        var lineNumber = 0;
        foreach (var line in File.ReadLines(file))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            LabelledMessage message;
            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                var role = root.TryGetProperty("role", out var r) ? r.GetString() : null;
                message = new LabelledMessage(
                    root.GetProperty("id").GetString()!,
                    language,
                    role switch { "user" => MessageRole.User, "received" => MessageRole.Received, _ => MessageRole.Unknown },
                    root.GetProperty("text").GetString()!,
                    [.. root.GetProperty("expect").EnumerateArray().Select(e => e.GetString()!)],
                    root.TryGetProperty("note", out var n) ? n.GetString() : null);
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new FormatException($"{file}:{lineNumber}: {ex.Message}", ex);
            }

            foreach (var category in message.Expect)
            {
                if (!SignalCategories.Order.ContainsKey(category))
                {
                    throw new FormatException($"{file}:{lineNumber}: unknown category '{category}'");
                }
            }

            yield return message;
        }
    }
}

/// <summary>Precision and recall of the analyser on a labelled corpus, per category and per language.</summary>
public sealed class AnalyzerEvaluation
{
    private readonly Dictionary<(string Language, string Category), Counts> _cells = [];

    public List<(LabelledMessage Message, AnalysisResult Result)> Misses { get; } = [];

    public Dictionary<string, (int Total, int Correct)> Detection { get; } = [];

    public Dictionary<string, (int Total, int Flagged)> Benign { get; } = [];

    public static AnalyzerEvaluation Run(SafetyAnalyzer analyzer, IEnumerable<LabelledMessage> corpus)
    {
        var evaluation = new AnalyzerEvaluation();
        foreach (var message in corpus)
        {
            var result = analyzer.Analyze(message.Text, null, message.Role);
            evaluation.Add(message, result);
        }

        return evaluation;
    }

    private void Add(LabelledMessage message, AnalysisResult result)
    {
        var detection = Detection.GetValueOrDefault(message.Language);
        Detection[message.Language] = (detection.Total + 1, detection.Correct + (result.Language == message.Language ? 1 : 0));
        if (message.IsBenign)
        {
            var benign = Benign.GetValueOrDefault(message.Language);
            Benign[message.Language] = (benign.Total + 1, benign.Flagged + (result.Signals.Count > 0 ? 1 : 0));
        }

        var wrong = false;
        foreach (var category in SignalCategories.All)
        {
            var expected = message.Expect.Contains(category);
            var found = result.Has(category);
            if (!expected && !found)
            {
                continue;
            }

            var key = (message.Language, category);
            var c = _cells.GetValueOrDefault(key);
            if (expected && found)
            {
                c.TruePositive++;
            }
            else if (found)
            {
                c.FalsePositive++;
                wrong = true;
            }
            else
            {
                c.FalseNegative++;
                wrong = true;
            }

            _cells[key] = c;
        }

        if (wrong)
        {
            Misses.Add((message, result));
        }
    }

    public Counts Total(string? language = null, string? category = null, bool crisisOnly = false)
    {
        var total = default(Counts);
        foreach (var ((l, c), counts) in _cells)
        {
            if ((language is null || l == language) && (category is null || c == category) && (!crisisOnly || SignalCategories.IsCrisis(c)))
            {
                total.TruePositive += counts.TruePositive;
                total.FalsePositive += counts.FalsePositive;
                total.FalseNegative += counts.FalseNegative;
            }
        }

        return total;
    }

    public IEnumerable<string> Languages => Detection.Keys.Order(StringComparer.Ordinal);

    public double BenignFlaggedRate(string? language = null)
    {
        var (total, flagged) = Benign.Where(b => language is null || b.Key == language)
            .Aggregate((0, 0), (a, b) => (a.Item1 + b.Value.Total, a.Item2 + b.Value.Flagged));
        return total == 0 ? 0 : (double)flagged / total;
    }

    /// <summary>A plain-text report: per-language table, per-category table, and optionally every miss.</summary>
    public string Report(bool misses)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(ci, $"{"lang",-5} {"msgs",5} {"detect",7} {"prec",6} {"recall",6} {"crisisR",7} {"benign",8}");
        foreach (var language in Languages)
        {
            var t = Total(language);
            var crisis = Total(language, crisisOnly: true);
            var (total, correct) = Detection[language];
            var (bt, bf) = Benign.GetValueOrDefault(language);
            sb.AppendLine(ci, $"{language,-5} {total,5} {(double)correct / total,7:0.00} {t.Precision,6:0.00} {t.Recall,6:0.00} {crisis.Recall,7:0.00} {bf,4}/{bt,-3}");
        }

        var all = Total();
        var allCrisis = Total(crisisOnly: true);
        var detected = Detection.Values.Aggregate((0, 0), (a, b) => (a.Item1 + b.Total, a.Item2 + b.Correct));
        sb.AppendLine(ci, $"{"all",-5} {detected.Item1,5} {(double)detected.Item2 / detected.Item1,7:0.00} {all.Precision,6:0.00} {all.Recall,6:0.00} {allCrisis.Recall,7:0.00} {BenignFlaggedRate(),8:0.00}");
        sb.AppendLine();
        sb.AppendLine(ci, $"{"category",-22} {"tp",4} {"fp",4} {"fn",4} {"prec",6} {"recall",6}");
        foreach (var category in SignalCategories.All)
        {
            var t = Total(category: category);
            sb.AppendLine(ci, $"{category,-22} {t.TruePositive,4} {t.FalsePositive,4} {t.FalseNegative,4} {t.Precision,6:0.00} {t.Recall,6:0.00}");
        }

        if (misses && Misses.Count > 0)
        {
            sb.AppendLine();
            foreach (var (message, result) in Misses)
            {
                var missed = message.Expect.Where(c => !result.Has(c));
                var extra = result.Signals.Where(s => !message.Expect.Contains(s.Category)).Select(s => $"{s.Category} «{s.Evidence}»");
                sb.AppendLine(ci, $"{message.Id} [{result.Language}] missed: {string.Join(", ", missed)} | extra: {string.Join(", ", extra)}");
                sb.AppendLine(ci, $"    {message.Text}");
            }
        }

        return sb.ToString();
    }

    /// <summary>Checks every rule's examples on the rule alone: each example flags it, no counter-example does.</summary>
    public static IReadOnlyList<string> CheckExamples(Lexicon lexicon)
    {
        var problems = new List<string>();
        var single = new SafetyAnalyzer([lexicon]);
        for (var i = 0; i < lexicon.Rules.Count; i++)
        {
            var rule = lexicon.Rules[i];
            foreach (var example in rule.Examples)
            {
                if (!single.MatchesRule(i, example))
                {
                    problems.Add($"{lexicon.File}: {rule.Path}: example not flagged: {example}");
                }
            }

            foreach (var example in rule.NotExamples)
            {
                if (single.MatchesRule(i, example))
                {
                    problems.Add($"{lexicon.File}: {rule.Path}: counter-example flagged: {example}");
                }
            }
        }

        return problems;
    }

    public struct Counts
    {
        public int TruePositive { get; set; }
        public int FalsePositive { get; set; }
        public int FalseNegative { get; set; }

        public readonly double Precision => TruePositive + FalsePositive == 0 ? 1 : (double)TruePositive / (TruePositive + FalsePositive);

        public readonly double Recall => TruePositive + FalseNegative == 0 ? 1 : (double)TruePositive / (TruePositive + FalseNegative);
    }
}
