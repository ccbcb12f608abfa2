using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using SafetyBot.Telegram.Emulator;

namespace SafetyBot.Bench.Telegram;

/// <summary>
/// The published SafetyBot host as a child process, polling the emulator, with its own redis-server. Both modes
/// start it the same way; a mode adds its own settings (the throughput mode turns pacing off, the fairness mode
/// keeps the host's defaults), and <c>--host-env</c> overrides any of them.
/// </summary>
internal sealed class SafetyBotHost : IAsyncDisposable
{
    private SafetyBotHost(ChildProcess process, RedisServer redis, string url, string directory)
    {
        Process = process;
        Redis = redis;
        Url = url;
        Directory = directory;
    }

    public ChildProcess Process { get; }

    public RedisServer Redis { get; }

    public string Url { get; }

    /// <summary>The publish folder: the host reads its dialogs, words and analysis rules from here.</summary>
    public string Directory { get; }

    /// <summary>Starts redis-server and the host, and returns once the host is healthy and long-polling the emulator.</summary>
    public static async Task<SafetyBotHost> StartAsync(
        string hostDll,
        string workspace,
        TelegramBotApiEmulator emulator,
        IReadOnlyDictionary<string, string> modeSettings,
        IReadOnlyList<KeyValuePair<string, string>> overrides,
        CancellationToken cancellationToken)
    {
        var redis = await RedisServer.StartAsync(workspace, cancellationToken);
        try
        {
            var url = "http://127.0.0.1:" + Ports.Free().ToString(CultureInfo.InvariantCulture);
            var environment = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["Telegram__BotToken"] = emulator.Token,
                ["Telegram__ApiBaseUrl"] = emulator.BaseUrl,
                ["Telegram__PollingTimeoutSeconds"] = "1",
                ["Redis__Configuration"] = redis.Configuration,
                ["Logging__LogLevel__Default"] = "Warning",
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["DirectLine__Secret"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
                ["Transcripts__EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            };
            foreach (var (name, value) in modeSettings)
            {
                environment[name] = value;
            }

            foreach (var (name, value) in overrides)
            {
                environment[name] = value;
                Console.WriteLine($"  host env: {name}={value}");
            }

            var directory = Path.GetDirectoryName(hostDll)!;
            var process = ChildProcess.Start("SafetyBot host", DotNet.Muxer, [hostDll, "--urls", url], environment, directory);
            var host = new SafetyBotHost(process, redis, url, directory);
            try
            {
                await host.WaitUntilPollingAsync(emulator, cancellationToken);
            }
            catch
            {
                await host.DisposeAsync();
                throw;
            }

            return host;
        }
        catch
        {
            await redis.DisposeAsync();
            throw;
        }
    }

    /// <summary>Prints how the host ended, or the warnings and errors among its last log lines.</summary>
    public void ReportProblems()
    {
        if (Process.HasExited)
        {
            Console.WriteLine($"  the host exited (code {Process.ExitCode}):\n{Process.Tail()}");
            return;
        }

        // The console logger writes "fail: Category[id]" and the message on the next line.
        var lines = Process.Tail().Split('\n');
        var problems = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("warn:", StringComparison.Ordinal) || lines[i].StartsWith("fail:", StringComparison.Ordinal) || lines[i].StartsWith("crit:", StringComparison.Ordinal))
            {
                problems.Add(i + 1 < lines.Length ? lines[i] + "  " + lines[i + 1].Trim() : lines[i]);
            }
        }

        if (problems.Count > 0)
        {
            Console.WriteLine($"  host logged {problems.Count} warnings/errors among its last lines:\n    " + string.Join("\n    ", problems));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        await Redis.DisposeAsync();
    }

    private async Task WaitUntilPollingAsync(TelegramBotApiEmulator emulator, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Process.HasExited)
            {
                throw new BenchException($"the SafetyBot host exited at start (code {Process.ExitCode}):\n{Process.Tail()}");
            }

            var healthy = false;
            try
            {
                using var response = await http.GetAsync(new Uri(Url + "/healthz"), cancellationToken);
                healthy = response.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Slow start.
            }

            if (healthy && emulator.IsPolling)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new BenchException($"the SafetyBot host was not healthy and polling within 60 s (healthy: {healthy}):\n{Process.Tail()}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
