using System.Globalization;
using BenchmarkDotNet.Running;
using SafetyBot.Bench.Analysis;
using SafetyBot.Core.Analysis;

// quality [--root DIR] [--lang xx] [--misses]   precision/recall on tests/data/analysis/corpus
// check   [--root DIR]                         every rule's examples and counter-examples
// speed   [BenchmarkDotNet options]            time per message, one core
var command = args.Length > 0 ? args[0] : "quality";
var root = Option(args, "--root") ?? FindRoot();
switch (command)
{
    case "quality":
    {
        var analyzer = SafetyAnalyzer.Load(Path.Combine(root, "analysis"));
        var language = Option(args, "--lang");
        var corpus = LabelledMessage.LoadFolder(Path.Combine(root, "tests", "data", "analysis", "corpus"))
            .Where(m => language is null || m.Language == language)
            .ToList();
        var evaluation = AnalyzerEvaluation.Run(analyzer, corpus);
        Console.WriteLine($"SafetyBot analyser on {corpus.Count} labelled messages ({Environment.ProcessorCount} cores)");
        Console.WriteLine(evaluation.Report(args.Contains("--misses")));
        return 0;
    }

    case "check":
    {
        var problems = Lexicon.LoadFolder(Path.Combine(root, "analysis")).SelectMany(AnalyzerEvaluation.CheckExamples).ToList();
        problems.ForEach(Console.WriteLine);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{problems.Count} problem(s)"));
        return problems.Count == 0 ? 0 : 1;
    }

    case "speed":
        AnalyzerBenchmarks.Root = root;
        Environment.SetEnvironmentVariable("SAFETYBOT_ROOT", root);
        BenchmarkRunner.Run<AnalyzerBenchmarks>(args: args.Skip(1).Where(a => a != "--root" && a != root).ToArray());
        return 0;

    default:
        Console.Error.WriteLine("usage: quality [--lang xx] [--misses] | check | speed");
        return 2;
}

static string? Option(string[] args, string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static string FindRoot()
{
    for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
    {
        if (Directory.Exists(Path.Combine(dir.FullName, "analysis")) && File.Exists(Path.Combine(dir.FullName, "SafetyBot.sln")))
        {
            return dir.FullName;
        }
    }

    return Environment.GetEnvironmentVariable("SAFETYBOT_ROOT") ?? throw new InvalidOperationException("Run from the repository or pass --root.");
}
