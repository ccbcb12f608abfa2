using System.Globalization;
using System.Net;
using System.Security.Cryptography;

namespace SafetyBot.Bench.Load;

internal enum TargetKind
{
    Echo,
    InProcess,
    Redis,
}

/// <summary>What one measurement runs against: a server child process on a free loopback port (and, for Redis, its redis-server).</summary>
internal sealed class Target : IAsyncDisposable
{
    private Target(TargetKind kind, Uri baseUri, string? secret, ChildProcess server, RedisServer? redis)
    {
        Kind = kind;
        BaseUri = baseUri;
        Secret = secret;
        Server = server;
        Redis = redis;
    }

    public TargetKind Kind { get; }

    public string Name => NameOf(Kind);

    public Uri BaseUri { get; }

    /// <summary>The Direct Line secret (SafetyBot hosts only).</summary>
    public string? Secret { get; }

    public ChildProcess Server { get; }

    public RedisServer? Redis { get; }

    public bool IsDirectLine => Kind != TargetKind.Echo;

    public static string NameOf(TargetKind kind) => kind switch
    {
        TargetKind.Echo => "echo baseline (bare Kestrel)",
        TargetKind.InProcess => "SafetyBot, in-process storage",
        _ => "SafetyBot, Redis storage",
    };

    public static async Task<Target> StartAsync(TargetKind kind, BenchContext context, CancellationToken cancellationToken)
    {
        var port = Ports.Free();
        var url = "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);
        var baseUri = new Uri(url + "/");
        if (kind == TargetKind.Echo)
        {
            // Server GC, as every ASP.NET Core app published with the Web SDK (the SafetyBot host included) has by default.
            var echo = ChildProcess.Start("echo-server", DotNet.Muxer, [typeof(Program).Assembly.Location, "echo-server", "--urls", url],
                new Dictionary<string, string>(StringComparer.Ordinal) { ["DOTNET_gcServer"] = "1" });
            var target = new Target(kind, baseUri, null, echo, null);
            await target.WaitUntilReadyAsync(["healthz"], cancellationToken);
            return target;
        }

        RedisServer? redis = null;
        ChildProcess? host = null;
        try
        {
            if (kind == TargetKind.Redis)
            {
                redis = await RedisServer.StartAsync(context.Workspace, cancellationToken);
            }

            var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
            var environment = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["DirectLine__Secret"] = secret,
                // The host's option validation caps both limits at 100000 (1000000 stops it at start-up); 100000 per
                // minute or per 10 s is far above what the driver sends, so the limiters never reject here.
                ["DirectLine__TokensPerIpPerMinute"] = "100000",
                ["DirectLine__ActivitiesPerConversationPer10Seconds"] = "100000",
                ["Logging__LogLevel__Default"] = "Warning",

                // A fixed key, as in production; without it the host warns and makes one up.
                ["Transcripts__EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
            };
            if (redis is not null)
            {
                environment["Redis__Configuration"] = redis.Configuration;
            }

            foreach (var (name, value) in context.Options.HostEnvironment)
            {
                environment[name] = value;
            }

            host = ChildProcess.Start("SafetyBot host", DotNet.Muxer, [context.HostDll, "--urls", url], environment,
                Path.GetDirectoryName(context.HostDll));
            var target = new Target(kind, baseUri, secret, host, redis);
            await target.WaitUntilReadyAsync(["healthz", "readyz"], cancellationToken);
            return target;
        }
        catch
        {
            if (host is not null)
            {
                await host.DisposeAsync();
            }

            if (redis is not null)
            {
                await redis.DisposeAsync();
            }

            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }
    }

    private async Task WaitUntilReadyAsync(string[] paths, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        foreach (var path in paths)
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (Server.HasExited)
                {
                    throw new BenchException($"{Server.Name} exited at start (code {Server.ExitCode}):\n{Server.Tail()}");
                }

                try
                {
                    using var response = await http.GetAsync(new Uri(BaseUri, path), cancellationToken);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Slow start; try again.
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new BenchException($"{Server.Name} did not answer /{path} with 200 within 60 s:\n{Server.Tail()}");
                }

                await Task.Delay(100, cancellationToken);
            }
        }
    }
}

/// <summary>What every run shares: options, the host to run, a temporary workspace.</summary>
internal sealed record BenchContext(BenchOptions Options, string HostDll, string Workspace);
