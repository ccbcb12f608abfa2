using BenchmarkDotNet.Attributes;
using SafetyBot.Core.Analysis;

namespace SafetyBot.Bench.Analysis;

/// <summary>
/// Time and allocation per message of about 300 characters, per language, next to a baseline that only folds
/// the text (the floor any rule-based analyser pays) measured in the same run.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class AnalyzerBenchmarks
{
    public static string? Root { get; set; }

    private SafetyAnalyzer _analyzer = null!;
    private string _text = string.Empty;

    [Params("en", "es", "ru", "uk", "ar", "tr")]
    public string Language { get; set; } = "en";

    [GlobalSetup]
    public void Setup()
    {
        var root = Root ?? Environment.GetEnvironmentVariable("SAFETYBOT_ROOT") ?? throw new InvalidOperationException("root");
        _analyzer = SafetyAnalyzer.Load(Path.Combine(root, "analysis"));
        var corpus = LabelledMessage.LoadFolder(Path.Combine(root, "tests", "data", "analysis", "corpus"))
            .Where(m => m.Language == Language)
            .Select(m => m.Text)
            .ToList();
        // About 300 characters of this language's real chat text.
        var text = string.Empty;
        var i = 0;
        while (text.Length < 300 && corpus.Count > 0)
        {
            text += corpus[i++ % corpus.Count] + " ";
        }

        _text = text[..Math.Min(300, text.Length)];
    }

    [Benchmark(Baseline = true)]
    public int FoldOnly() => _analyzer.FoldLength(_text);

    [Benchmark]
    public int Analyze() => _analyzer.Analyze(_text, null, MessageRole.User).Signals.Count;
}
