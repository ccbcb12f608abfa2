using System.Globalization;

namespace SafetyBot.Bench.Load;

/// <summary>Options of the <c>run</c> mode.</summary>
internal sealed record BenchOptions(
    int Conversations,
    int DurationSeconds,
    int WarmupSeconds,
    int IdleConnections,
    int Rate,
    string? HostDll,
    IReadOnlyList<TargetKind> Modes,
    IReadOnlyDictionary<string, string> HostEnvironment)
{
    public const string Usage = """
        SafetyBot load benchmark

          run [--conversations 200] [--duration 20] [--warmup 5] [--idle 5000] [--host-dll PATH]
              [--rate TURNS_PER_SECOND] [--modes echo,inproc,redis] [--host-env NAME=VALUE]...
              Publishes the host (Release) unless --host-dll is given, then measures, one after another:
              the echo baseline, the host with in-process storage, the host with Redis; then idle WebSockets
              (--idle 0 skips them; --conversations 0 skips the turn load). Without --rate each conversation posts
              its next message as soon as the previous reply arrived (closed loop: the server's maximum); with
              --rate the conversations together aim at that many turns/s (latency below saturation).
              --host-env adds an environment variable to every SafetyBot host process.

          echo-server --urls http://127.0.0.1:PORT
              Bare Kestrel baseline: POST /echo/{id} is pushed back on the WebSocket GET /echo/{id}/stream.

        Example: dotnet run -c Release --project bench/SafetyBot.Bench.Load -- run
        """;

    public static BenchOptions Parse(string[] args)
    {
        var conversations = 200;
        var duration = 20;
        var warmup = 5;
        var idle = 5000;
        var rate = 0;
        string? hostDll = null;
        IReadOnlyList<TargetKind> modes = [TargetKind.Echo, TargetKind.InProcess, TargetKind.Redis];
        var hostEnvironment = new Dictionary<string, string>(StringComparer.Ordinal);

        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new BenchException($"{name} needs a value.\n\n{Usage}");
            switch (name)
            {
                case "--conversations":
                    conversations = Number(name, Value(), 0, 100_000);
                    break;
                case "--duration":
                    duration = Number(name, Value(), 1, 3600);
                    break;
                case "--warmup":
                    warmup = Number(name, Value(), 0, 3600);
                    break;
                case "--idle":
                    idle = Number(name, Value(), 0, 1_000_000);
                    break;
                case "--rate":
                    rate = Number(name, Value(), 0, 1_000_000);
                    break;
                case "--host-dll":
                    hostDll = HostOptions.HostDll(Value());
                    break;
                case "--modes":
                    modes = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseMode)];
                    break;
                case "--host-env":
                    var (variable, value) = HostOptions.HostEnvironment(Value());
                    hostEnvironment[variable] = value;
                    break;
                default:
                    throw new BenchException($"Unknown option '{name}'.\n\n{Usage}");
            }
        }

        return new BenchOptions(conversations, duration, warmup, idle, rate, hostDll, modes, hostEnvironment);
    }

    private static int Number(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new BenchException($"{name} must be a whole number from {min} to {max}.");

    private static TargetKind ParseMode(string mode) => mode switch
    {
        "echo" => TargetKind.Echo,
        "inproc" or "in-process" => TargetKind.InProcess,
        "redis" => TargetKind.Redis,
        _ => throw new BenchException($"--modes: unknown mode '{mode}' (echo, inproc, redis)."),
    };
}
