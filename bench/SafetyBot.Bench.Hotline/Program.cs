using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SafetyBot.Core.Handoff;
using SafetyBot.Core.Storage;
using SafetyBot.Redis;

// The hotline queue benchmark. Usage:
//   dotnet run -c Release --project bench/SafetyBot.Bench.Hotline -- [--jobs 5000] [--staff 20] [--paced 300] [--rate 30] [--host-dll path]
// 1. Claim+ack throughput: N conversations enqueued, then 20 simulated staff take the first in line and close it, until none is left.
// 2. Enqueue-to-visible: conversations enqueued at a steady rate; the time until each appears in the queue pushed to a
//    signed-in console over the published host's SignalR line.
// The same on BullMQ (bench/node/bullmq-bench.mjs): add / worker with concurrency 20 / remove on complete, and add-to-active latency.
var options = Args(args);
var jobs = options.GetValueOrDefault("jobs", "5000");
var staff = int.Parse(options.GetValueOrDefault("staff", "20"), CultureInfo.InvariantCulture);
var paced = int.Parse(options.GetValueOrDefault("paced", "300"), CultureInfo.InvariantCulture);
var rate = int.Parse(options.GetValueOrDefault("rate", "30"), CultureInfo.InvariantCulture);
var count = int.Parse(jobs, CultureInfo.InvariantCulture);
using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(15));
var workspace = Directory.CreateTempSubdirectory("safetybot-bench-hotline-").FullName;
Console.WriteLine($"Machine: {Environment.ProcessorCount} cores; {count} conversations, {staff} staff; {paced} paced at {rate}/s.");
try
{
    await using var redis = await RedisServer.StartAsync(workspace, stop.Token);
    var ours = await ThroughputAsync(redis.Configuration, count, staff);
    var bull = await BullMqAsync(redis.Port, count, staff, paced, rate, stop.Token);
    var hostDll = options.TryGetValue("host-dll", out var given) ? HostOptions.HostDll(given) : await HostPublisher.PublishAsync(workspace, stop.Token);
    var visible = await VisibleAsync(redis.Configuration, hostDll, paced, rate, stop.Token);

    Console.WriteLine();
    Console.WriteLine($"| measure ({Environment.ProcessorCount} cores, one redis-server) | SafetyBot waiting room | BullMQ 5.81.5 |");
    Console.WriteLine("|---|---|---|");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| enqueue, per second (batches of 100) | {ours.EnqueuePerSecond:F0} | {(double)bull["enqueuePerSecond"]!:F0} |"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| claim + ack with {staff} staff / workers, per second | {ours.ProcessedPerSecond:F0} | {(double)bull["processedPerSecond"]!:F0} |"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| enqueue → visible in the console (SignalR), p50 / p99 ms | {visible.P50:F1} / {visible.P99:F1} | — |"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| BullMQ add → worker active, p50 / p99 ms | — | {(double)bull["pacedP50Ms"]!:F1} / {(double)bull["pacedP99Ms"]!:F1} |"));
    return 0;
}
catch (BenchException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}
finally
{
    ChildProcess.KillAll();
    try
    {
        Directory.Delete(workspace, recursive: true);
    }
    catch (IOException)
    {
        // left for the system's temp cleaning
    }
}

static Dictionary<string, string> Args(string[] args)
{
    var map = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i + 1 < args.Length; i += 2)
    {
        map[args[i].TrimStart('-')] = args[i + 1];
    }

    return map;
}

static RedisWaitingRoom Room(string configuration, string prefix) =>
    new(new RedisConnection(Options.Create(new RedisOptions { Configuration = configuration, KeyPrefix = prefix }), NullLogger<RedisConnection>.Instance),
        TimeProvider.System, Options.Create(new RetentionOptions()));

static WaitingEntry Entry(int i) => new("webchat/bench-" + i.ToString(CultureInfo.InvariantCulture), "webchat", "bench-" + i.ToString(CultureInfo.InvariantCulture),
    "uk", "UA", i % 10 == 0 ? PriorityBand.Crisis : PriorityBand.Other, DateTimeOffset.UtcNow, "selfcheck", ["secrecy"], "{}");

static async Task<(double EnqueuePerSecond, double ProcessedPerSecond)> ThroughputAsync(string configuration, int count, int staff)
{
    Console.WriteLine("[1/3] SafetyBot waiting room: enqueue, then claim + ack …");
    using var room = Room(configuration, "bench1:");
    var watch = Stopwatch.StartNew();
    for (var i = 0; i < count; i += 100)
    {
        await Task.WhenAll(Enumerable.Range(i, Math.Min(100, count - i)).Select(j => room.EnqueueAsync(Entry(j)).AsTask()));
    }

    var enqueue = count / watch.Elapsed.TotalSeconds;
    var done = 0;
    watch.Restart();
    await Task.WhenAll(Enumerable.Range(0, staff).Select(s => Task.Run(async () =>
    {
        var agent = "staff-" + s.ToString(CultureInfo.InvariantCulture);
        while (await room.ClaimNextAsync(agent, TimeSpan.FromMinutes(2)) is { } entry)
        {
            await room.RemoveAsync(entry.Conversation);
            Interlocked.Increment(ref done);
        }
    })));
    if (done != count)
    {
        throw new BenchException($"claimed and acknowledged {done} of {count}");
    }

    return (enqueue, count / watch.Elapsed.TotalSeconds);
}

static async Task<JsonObject> BullMqAsync(int port, int count, int staff, int paced, int rate, CancellationToken cancellationToken)
{
    Console.WriteLine("[2/3] BullMQ on the same redis-server …");
    var root = AppContext.BaseDirectory;
    for (var dir = new DirectoryInfo(root); dir is not null && !File.Exists(Path.Combine(dir.FullName, "SafetyBot.sln")); dir = dir.Parent)
    {
        root = dir.Parent?.FullName ?? root;
    }

    var node = Path.Combine(root, "bench", "node");
    if (!Directory.Exists(Path.Combine(node, "node_modules", "bullmq")))
    {
        await using var install = ChildProcess.Start("npm ci", "npm", ["ci", "--no-audit", "--no-fund"], workingDirectory: node);
        await install.WaitForExitAsync(cancellationToken);
    }

    var output = new System.Text.StringBuilder();
    var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = node };
    foreach (var arg in new[] { "bullmq-bench.mjs", port.ToString(CultureInfo.InvariantCulture), count.ToString(CultureInfo.InvariantCulture),
        staff.ToString(CultureInfo.InvariantCulture), paced.ToString(CultureInfo.InvariantCulture), rate.ToString(CultureInfo.InvariantCulture) })
    {
        info.ArgumentList.Add(arg);
    }

    using var process = Process.Start(info)!;
    var text = await process.StandardOutput.ReadToEndAsync(cancellationToken);
    await process.WaitForExitAsync(cancellationToken);
    return JsonNode.Parse(text.Trim().Split('\n')[^1])?.AsObject() ?? throw new BenchException("bullmq-bench.mjs printed nothing: " + text);
}

static async Task<(double P50, double P99)> VisibleAsync(string configuration, string hostDll, int paced, int rate, CancellationToken cancellationToken)
{
    Console.WriteLine("[3/3] Enqueue → visible in a signed-in console (published host, SignalR) …");
    var port = Ports.Free();
    await using var host = ChildProcess.Start("SafetyBot host", DotNet.Muxer, [hostDll, "--urls", $"http://127.0.0.1:{port}"], environment: new Dictionary<string, string>
    {
        ["Redis__Configuration"] = configuration,
        ["Redis__KeyPrefix"] = "bench3:",
        ["Staff__BootstrapAdmin__Username"] = "bench",
        ["Staff__BootstrapAdmin__Password"] = "a long bench passphrase",
        ["Staff__PasswordIterations"] = "100000",
        ["Transcripts__EncryptionKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
    });
    var baseUrl = new Uri($"http://127.0.0.1:{port}/");
    using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = baseUrl };
    HttpResponseMessage? signIn = null;
    for (var attempt = 0; attempt < 600 && signIn?.IsSuccessStatusCode != true; attempt++)
    {
        try
        {
            signIn = await http.PostAsJsonAsync("api/staff/session", new { username = "bench", password = "a long bench passphrase" }, cancellationToken);
        }
        catch (HttpRequestException)
        {
            await Task.Delay(100, cancellationToken);
        }
    }

    var cookie = signIn!.Headers.GetValues("Set-Cookie").First(c => c.StartsWith("safetybot.staff=", StringComparison.Ordinal)).Split(';')[0];
    var seen = new ConcurrentDictionary<string, double>(StringComparer.Ordinal);
    var sent = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
    await using var live = new HubConnectionBuilder().WithUrl(new Uri(baseUrl, "console/hub"), o =>
    {
        o.Transports = HttpTransportType.WebSockets;
        o.SkipNegotiation = true;
        o.Headers["Cookie"] = cookie;
    }).Build();
    using var room = Room(configuration, "bench3:");
    live.On<JsonArray>("queue", queue =>
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var item in queue)
        {
            var id = (string)item!["id"]!;
            if (sent.TryGetValue(id, out var at) && seen.TryAdd(id, Stopwatch.GetElapsedTime(at, now).TotalMilliseconds))
            {
                _ = room.RemoveAsync("webchat/" + Reverse[id]).AsTask(); // seen: acknowledged, so the queue stays short
            }
        }
    });
    await live.StartAsync(cancellationToken);
    for (var i = 0; i < paced; i++)
    {
        var entry = Entry(100_000 + i);
        Reverse[HotlineIds.Of(entry.Conversation)] = entry.ConversationId;
        sent[HotlineIds.Of(entry.Conversation)] = Stopwatch.GetTimestamp();
        await room.EnqueueAsync(entry, cancellationToken);
        await Task.Delay(1000 / rate, cancellationToken);
    }

    var deadline = DateTime.UtcNow.AddSeconds(20);
    while (seen.Count < paced && DateTime.UtcNow < deadline)
    {
        await Task.Delay(50, cancellationToken);
    }

    if (seen.Count < paced)
    {
        throw new BenchException($"only {seen.Count} of {paced} conversations became visible in the console");
    }

    var sorted = seen.Values.Order().ToArray();
    return (sorted[sorted.Length / 2], sorted[(int)Math.Ceiling(sorted.Length * 0.99) - 1]);
}

internal static partial class Program
{
    private static readonly ConcurrentDictionary<string, string> Reverse = new(StringComparer.Ordinal);
}
