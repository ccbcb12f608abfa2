using System.Globalization;
using BenchmarkDotNet.Running;
using SafetyBot.Bench.Analysis;
using SafetyBot.Core.Analysis;

// quality [--root DIR] [--lang xx] [--misses] [--set corpus|holdout]
//                                              precision/recall on tests/data/analysis/corpus (or holdout)
// load / profile                               load time, time per corpus message, most-tried patterns
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
        var set = Option(args, "--set") ?? "corpus"; // corpus: the rules were tuned on it; holdout: never seen by their authors
        var corpus = LabelledMessage.LoadFolder(Path.Combine(root, "tests", "data", "analysis", set))
            .Where(m => language is null || m.Language == language)
            .ToList();
        var evaluation = AnalyzerEvaluation.Run(analyzer, corpus);
        Console.WriteLine($"SafetyBot analyser on {corpus.Count} labelled messages of tests/data/analysis/{set} ({Environment.ProcessorCount} cores)");
        Console.WriteLine(evaluation.Report(args.Contains("--misses")));
        return 0;
    }

    case "load":
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var analyzer = SafetyAnalyzer.Load(Path.Combine(root, "analysis"));
        var loaded = sw.Elapsed;
        var corpus = LabelledMessage.LoadFolder(Path.Combine(root, "tests", "data", "analysis", "corpus"));
        SafetyAnalyzer.AttemptsByPattern = new int[analyzer.Index.Patterns.Length];
        foreach (var m in corpus)
        {
            analyzer.Analyze(m.Text, null, m.Role);
        }

        var attempts = SafetyAnalyzer.AttemptsByPattern.Sum() / (double)corpus.Count;
        SafetyAnalyzer.AttemptsByPattern = null;
        sw.Restart();
        var n = 0;
        while (sw.ElapsedMilliseconds < 3000)
        {
            foreach (var m in corpus)
            {
                analyzer.Analyze(m.Text, null, m.Role);
                n++;
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"load {loaded.TotalMilliseconds:0} ms; {sw.Elapsed.TotalMicroseconds / n:0.0} µs/message over {n} corpus messages; {attempts:0.0} attempts/message"));
        sw.Restart();
        for (var k = 0; k < n; k++)
        {
            analyzer.FoldLength(corpus[k % corpus.Count].Text);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fold only: {sw.Elapsed.TotalMicroseconds / n:0.0} µs/message"));
        return 0;
    }

    case "profile":
    {
        var analyzer = SafetyAnalyzer.Load(Path.Combine(root, "analysis"));
        var index = analyzer.Index;
        Console.WriteLine($"{index.Rules.Length} rules, {index.Patterns.Length} patterns, {index.Shared.Count} shared anchors, unanchored patterns:");
        for (var l = 0; l < index.Unanchored.Length; l++)
        {
            foreach (var id in index.Unanchored[l])
            {
                var rule = index.Rules[index.PatternRule[id]];
                Console.WriteLine($"  {analyzer.Lexicons[l].Code} {rule.Id}: {index.Patterns[id].Regex}");
            }
        }

        var only = Option(args, "--lang");
        var corpus = LabelledMessage.LoadFolder(Path.Combine(root, "tests", "data", "analysis", "corpus")).Where(m => only is null || m.Language == only).ToList();
        SafetyAnalyzer.AttemptsByPattern = new int[index.Patterns.Length];
        foreach (var m in corpus)
        {
            analyzer.Analyze(m.Text, null, m.Role);
        }

        Console.WriteLine("most tried patterns (tries per corpus message):");
        foreach (var (count, id) in SafetyAnalyzer.AttemptsByPattern.Select((c, id) => (c, id)).OrderByDescending(x => x.c).Take(30))
        {
            var rule = index.Rules[index.PatternRule[id]];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {count / (double)corpus.Count,5:0.00} {analyzer.Lexicons[rule.Language].Code} {rule.Id} {string.Join(",", index.Patterns[id].Anchors!.Select(a => a.Text + (a.Exact ? "" : "…")).Take(6))}"));
        }

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
