using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using SafetyBot.Telegram.Emulator;

namespace SafetyBot.Bench.Telegram;

internal static class Program
{
    private const string Usage = """
        usage: dotnet run -c Release --project bench/SafetyBot.Bench.Telegram -- [--updates 20000] [--chats 2000] [--host-dll PATH] [--stall-timeout 30] [--host-env NAME=VALUE]...
               dotnet run -c Release --project bench/SafetyBot.Bench.Telegram -- --fairness [--users 1000] [--crisis 50] [--warm-up 40] [--csv PATH] [--host-dll PATH] [--stall-timeout 30] [--host-env NAME=VALUE]...
        """;

    public static async Task<int> Main(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            ChildProcess.KillAll();
            cancel.Cancel();
        };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => ChildProcess.KillAll();

        try
        {
            var options = Options.Parse(args);
            if (options is null)
            {
                Console.WriteLine(Usage);
                return 0;
            }

            return await RunAsync(options, cancel.Token);
        }
        catch (BenchException ex)
        {
            await Console.Error.WriteLineAsync($"bench: {ex.Message}");
            return 2;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("bench: cancelled.");
            return 130;
        }
        finally
        {
            ChildProcess.KillAll();
        }
    }

    private static async Task<int> RunAsync(Options options, CancellationToken cancellationToken)
    {
        var fairness = options.Mode == BenchMode.Fairness;
        Console.WriteLine($"SafetyBot.Bench.Telegram{(fairness ? " --fairness" : string.Empty)}  {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture}), .NET {Environment.Version}");
        Console.WriteLine(fairness ? FairnessRun.Describe(options) : DescribeThroughput(options));
        Console.WriteLine();

        var workspace = Directory.CreateTempSubdirectory("safetybot-bench-telegram-").FullName;
        try
        {
            var hostDll = options.HostDll;
            if (hostDll is null)
            {
                hostDll = await HostPublisher.PublishAsync(workspace, cancellationToken);
                Console.WriteLine();
            }

            return fairness
                ? await FairnessRun.RunAsync(hostDll, workspace, options, cancellationToken)
                : await RunThroughputAsync(hostDll, workspace, options, cancellationToken);
        }
        finally
        {
            try
            {
                Directory.Delete(workspace, recursive: true);
            }
            catch (IOException)
            {
                // Left in /tmp.
            }
        }
    }

    private static string DescribeThroughput(Options options)
    {
        var perChat = options.Updates / options.Chats;
        return $"load: {perChat * options.Chats} updates = {options.Chats} chats x {perChat} \"helplines\", posted round-robin as one burst; getUpdates limit 100, timeout 1 s; emulator limits off, RecordCalls=false";
    }

    private static async Task<int> RunThroughputAsync(string hostDll, string workspace, Options options, CancellationToken cancellationToken)
    {
        var perChat = options.Updates / options.Chats;
        Console.WriteLine("[1/3] baseline: bare Telegram.Bot loop, in-process");
        var baseline = await RunBaselineAsync(options.Chats, perChat, options.StallTimeout, cancellationToken);
        Print(baseline);
        Console.WriteLine("  " + CpuPerUpdate(baseline, host: false));

        Console.WriteLine();
        Console.WriteLine("[2/3] SafetyBot host (child process) + redis-server");
        var safetyBot = await RunHostPhaseAsync(hostDll, workspace, options, perChat, inProcess: false, cancellationToken);

        // The same host with nothing in Redis shows what the turn itself costs, next to what Redis adds.
        Console.WriteLine();
        Console.WriteLine("[3/3] for reference: SafetyBot host with in-process storage (no Redis; not durable, one host only)");
        var inProcess = await RunHostPhaseAsync(hostDll, workspace, options, perChat, inProcess: true, cancellationToken);

        Console.WriteLine();
        Console.WriteLine("| mode | updates/s | p50 ms | p99 ms | errors | / bare loop |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        Row(baseline, baseline);
        Row(safetyBot, baseline);
        Row(inProcess, baseline);
        var ratio = Ratio(safetyBot, baseline);
        Console.WriteLine();
        Console.WriteLine($"SafetyBot (Redis) / baseline: {ratio:P0}; with in-process storage: {Ratio(inProcess, baseline):P0}");
        Console.WriteLine($"target >= 50% of the bare loop: {(ratio >= 0.5 ? "MET" : "MISSED")} ({ratio:P0})");
        Console.WriteLine($"target >= 1,500 updates/s:      {(safetyBot.UpdatesPerSecond >= 1500 ? "MET" : "MISSED")} ({safetyBot.UpdatesPerSecond:F0}/s)");
        return 0;
    }

    private static double Ratio(PhaseResult phase, PhaseResult baseline) =>
        baseline.UpdatesPerSecond > 0 ? phase.UpdatesPerSecond / baseline.UpdatesPerSecond : 0;

    private static async Task<PhaseResult> RunHostPhaseAsync(string hostDll, string workspace, Options options, int perChat, bool inProcess, CancellationToken cancellationToken)
    {
        var (result, peakRssKb) = await RunSafetyBotAsync(hostDll, workspace, options, perChat, inProcess, cancellationToken);
        Print(result);
        var hostCpu = result.Cpu!.ServerCores * result.Cpu.Seconds;
        Console.WriteLine($"  host peak RSS (VmHWM): {peakRssKb / 1024.0:F0} MB; host CPU during the measured phase: {hostCpu:F1} s over {result.Seconds:F1} s wall ({result.Cpu.ServerCores:F2} cores)");
        Console.WriteLine("  " + CpuPerUpdate(result, host: true));
        return result;
    }

    private static async Task<PhaseResult> RunBaselineAsync(int chatCount, int perChat, TimeSpan stallTimeout, CancellationToken cancellationToken)
    {
        await using var emulator = await TelegramBotApiEmulator.StartAsync("100001:bench-baseline", new TelegramBotApiEmulatorOptions { RecordCalls = false }, cancellationToken);
        var chats = NewChats(emulator, chatCount);
        await using var loop = new BareLoop(emulator.Token, emulator.BaseUrl);

        // Warm-up (JIT, connections): one /start per chat, answered "ok"; not counted.
        await Measurement.WarmUpAsync(emulator, chats, "/start", 1, TimeSpan.FromSeconds(60), cancellationToken);
        var before = CpuSnapshot.Take(null, null);
        var result = await Measurement.RunAsync("bare Telegram.Bot loop", emulator, chats, perChat, "helplines", 1,
            reply => reply.Text == "ok", stallTimeout, cancellationToken);
        result = result with { Cpu = CpuSplit.Between(before, CpuSnapshot.Take(null, null)) };
        if (loop.SendFailures > 0 || emulator.UnexpectedErrors.Count > 0)
        {
            Console.WriteLine($"  sendMessage failures: {loop.SendFailures}; emulator errors: {emulator.UnexpectedErrors.Count}");
        }

        return result;
    }

    /// <summary>µs of CPU per reply for each process, how busy the machine was, and the host's busiest thread kinds.</summary>
    private static string CpuPerUpdate(PhaseResult phase, bool host)
    {
        var cpu = phase.Cpu!;
        string Us(double cores) => cpu.MicrosecondsPer(cores, phase.Replies).ToString("F0", CultureInfo.InvariantCulture);
        var text = $"CPU per update: bench process (emulator, driver{(host ? string.Empty : ", bare loop")}) {Us(cpu.DriverCores)} µs";
        if (host)
        {
            var threads = cpu.ServerThreads.Take(4).Select(t => $"{t.Name} {Us(t.Cores)}");
            text += $", host {Us(cpu.ServerCores)} µs ({string.Join(", ", threads)}), redis-server {Us(cpu.RedisCores)} µs";
        }

        return text + $"; machine busy {(cpu.MachineCores / Environment.ProcessorCount).ToString("P0", CultureInfo.InvariantCulture)} of {Environment.ProcessorCount} cores";
    }

    private static async Task<(PhaseResult Result, long PeakRssKb)> RunSafetyBotAsync(
        string hostDll, string workspace, Options options, int perChat, bool inProcess, CancellationToken cancellationToken)
    {
        await using var emulator = await TelegramBotApiEmulator.StartAsync("100002:bench-safetybot", new TelegramBotApiEmulatorOptions { RecordCalls = false }, cancellationToken);
        var settings = new Dictionary<string, string>(StringComparer.Ordinal) { ["Telegram__PaceMessages"] = "false" };
        if (inProcess)
        {
            settings["Redis__Configuration"] = string.Empty;
        }

        await using var host = await SafetyBotHost.StartAsync(hostDll, workspace, emulator, settings, options.HostEnvironment, cancellationToken);

        var chatCount = options.Chats;
        var chats = NewChats(emulator, chatCount);
        Console.WriteLine($"  host pid {host.Process.Id} on {host.Url}, {(inProcess ? "storage in process" : "redis on " + host.Redis.Configuration)}; warm-up: /start in {chatCount} chats");
        var warm = Stopwatch.StartNew();
        await Measurement.WarmUpAsync(emulator, chats, "/start", WelcomeMessages, TimeSpan.FromSeconds(120), cancellationToken);
        Console.WriteLine($"  all {chatCount * WelcomeMessages} welcome messages arrived in {warm.Elapsed.TotalSeconds:F1} s");

        // "helplines" in an English chat, which suggests no country, is answered with one question: which country.
        var askCountry = EnglishText(hostDll, "helplines.ask_country");
        var before = CpuSnapshot.Take(host.Process.Id, host.Redis.Process.Id);
        var result = await Measurement.RunAsync(inProcess ? "SafetyBot (in-process storage)" : "SafetyBot (Redis)", emulator, chats, perChat, "helplines", WelcomeMessages,
            reply => reply.Text == askCountry, options.StallTimeout, cancellationToken);
        result = result with { Cpu = CpuSplit.Between(before, CpuSnapshot.Take(host.Process.Id, host.Redis.Process.Id)) };
        var peak = ProcStats.Memory(host.Process.Id)?.PeakRssKb ?? -1;
        host.ReportProblems();
        if (emulator.UnexpectedErrors.Count > 0)
        {
            Console.WriteLine($"  emulator errors: {emulator.UnexpectedErrors.Count}");
        }

        return (result, peak);
    }

    /// <summary>On Telegram the welcome is four messages: greeting, emergency number, the 48-hour note, "is it safe to talk?".</summary>
    private const int WelcomeMessages = 4;

    private static string EnglishText(string hostDll, string key)
    {
        var file = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(hostDll))!, "localization", "en.json");
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(file));
        return document.RootElement.TryGetProperty(key, out var text) ? text.GetString()! : throw new BenchException($"{file} has no '{key}'.");
    }

    private static long[] NewChats(TelegramBotApiEmulator emulator, int count)
    {
        var chats = new long[count];
        for (var i = 0; i < count; i++)
        {
            chats[i] = emulator.NewChat("User" + i.ToString(CultureInfo.InvariantCulture), "en");
        }

        return chats;
    }

    private static void Print(PhaseResult r) =>
        Console.WriteLine($"  {r.Replies}/{r.Updates} replies in {r.Seconds:F2} s = {r.UpdatesPerSecond:F0} updates/s; latency p50 {r.Percentile(50):F0} ms, p99 {r.Percentile(99):F0} ms, max {r.Percentile(100):F0} ms; errors: {r.WrongReplies} wrong, {r.MissingReplies} missing, {r.ExtraReplies} extra");

    private static void Row(PhaseResult r, PhaseResult baseline) =>
        Console.WriteLine($"| {r.Mode} | {r.UpdatesPerSecond:F0} | {r.Percentile(50):F0} | {r.Percentile(99):F0} | {r.Errors} | {Ratio(r, baseline):P0} |");
}

internal enum BenchMode
{
    Throughput,
    Fairness,
}

internal sealed record Options(
    BenchMode Mode,
    int Updates,
    int Chats,
    int Users,
    int Crisis,
    string? Csv,
    string? HostDll,
    TimeSpan StallTimeout,
    IReadOnlyList<KeyValuePair<string, string>> HostEnvironment,
    int WarmUp = 0)
{
    public static Options? Parse(string[] args)
    {
        int updates = 20_000, chats = 2_000, users = 1_000, stall = 30, warmUp = 40;
        int? crisis = null;
        var mode = BenchMode.Throughput;
        var throughputOnly = new List<string>();
        var fairnessOnly = new List<string>();
        string? hostDll = null, csv = null;
        var hostEnvironment = new List<KeyValuePair<string, string>>();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new BenchException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--fairness":
                    mode = BenchMode.Fairness;
                    break;
                case "--updates":
                    throughputOnly.Add(args[i]);
                    updates = Positive(Value(), "--updates");
                    break;
                case "--chats":
                    throughputOnly.Add(args[i]);
                    chats = Positive(Value(), "--chats");
                    break;
                case "--users":
                    fairnessOnly.Add(args[i]);
                    users = Positive(Value(), "--users");
                    break;
                case "--warm-up":
                    fairnessOnly.Add(args[i]);
                    warmUp = NonNegative(Value(), "--warm-up");
                    break;
                case "--crisis":
                    fairnessOnly.Add(args[i]);
                    crisis = NonNegative(Value(), "--crisis");
                    break;
                case "--csv":
                    fairnessOnly.Add(args[i]);
                    csv = Path.GetFullPath(Value());
                    break;
                case "--stall-timeout":
                    stall = Positive(Value(), "--stall-timeout");
                    break;
                case "--host-dll":
                    hostDll = HostOptions.HostDll(Value());
                    break;
                case "--host-env":
                    hostEnvironment.Add(HostOptions.HostEnvironment(Value()));
                    break;
                case "-h" or "--help":
                    return null;
                default:
                    throw new BenchException($"unknown option '{args[i]}'.");
            }
        }

        if (mode == BenchMode.Fairness && throughputOnly.Count > 0)
        {
            throw new BenchException($"{throughputOnly[0]} belongs to the throughput mode; --fairness takes --users, --crisis, --warm-up and --csv.");
        }

        if (mode == BenchMode.Throughput && fairnessOnly.Count > 0)
        {
            throw new BenchException($"{fairnessOnly[0]} needs --fairness.");
        }

        if (updates < chats)
        {
            throw new BenchException("--updates must be at least --chats (each chat posts updates/chats texts).");
        }

        // 5 % of the users by default, at least one.
        var crisisUsers = crisis ?? Math.Max(1, users / 20);
        if (crisisUsers > users)
        {
            throw new BenchException($"--crisis ({crisisUsers}) cannot exceed --users ({users}).");
        }

        return new Options(mode, updates, chats, users, crisisUsers, csv, hostDll, TimeSpan.FromSeconds(stall), hostEnvironment, warmUp);
    }

    private static int Positive(string value, string name) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new BenchException($"{name} takes a positive whole number, not '{value}'.");

    private static int NonNegative(string value, string name) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new BenchException($"{name} takes a whole number, not '{value}'.");
}
