using System.Diagnostics;

namespace SafetyBot.Bench.Load;

/// <summary>What the idle-connections run measured on a fresh server process.</summary>
internal sealed record IdleResult(
    TargetKind Kind,
    int Requested,
    int Opened,
    int StillOpen,
    double OpenSeconds,
    MemorySample? AtStart,
    MemorySample? WithIdle,
    int ServerFileDescriptors,
    MemorySample? Redis,
    long RedisUsedMemoryBytes,
    ErrorCounts Errors)
{
    public string Name => Target.NameOf(Kind);

    /// <summary>RSS growth per idle conversation, in KB.</summary>
    public double KbPerConversation => Opened > 0 && AtStart is { } s && WithIdle is { } m ? (m.RssKb - s.RssKb) / (double)Opened : 0;
}

/// <summary>
/// Opens M conversations with their WebSockets and leaves them idle, then reads the server's RSS. Runs on a
/// fresh server process per mode, so the figure is start-up plus idle conversations, with no turn-load history.
/// </summary>
internal static class IdleLoad
{
    private const int OpenParallel = 64;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);

    public static async Task<IdleResult> RunAsync(Target target, int count, CancellationToken cancellationToken)
    {
        Console.WriteLine();
        Console.WriteLine($"== idle: {target.Name} (fresh server process, pid {target.Server.Id}): {count} conversations with open, idle WebSockets");
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var atStart = ProcStats.Memory(target.Server.Id);
        Console.WriteLine($"   server RSS after start-up {atStart?.RssMb:F0} MB, {atStart?.Threads} threads");

        using var clients = new LoadClients();
        var errors = new ErrorCounts();
        var watch = Stopwatch.StartNew();
        var conversations = await Opener.OpenAsync(target, clients, count, OpenParallel, errors, cancellationToken, TimeSpan.FromSeconds(5));
        var openSeconds = watch.Elapsed.TotalSeconds;
        try
        {
            Console.WriteLine($"   opened {conversations.Count}/{count} in {openSeconds:F1} s{(target.IsDirectLine ? " (each: token, conversation with its welcome turn, WebSocket, welcome received)" : string.Empty)}; failures: {errors.Describe(measured: false)}");
            await Task.Delay(Settle, cancellationToken);
            var stillOpen = conversations.Count(c => c.IsOpen);
            var memory = ProcStats.Memory(target.Server.Id);
            var descriptors = ProcStats.OpenFileDescriptors(target.Server.Id);
            var redis = target.Redis is null ? null : ProcStats.Memory(target.Redis.Process.Id);
            var redisUsed = target.Redis is null ? 0 : await target.Redis.UsedMemoryBytesAsync();
            var result = new IdleResult(target.Kind, count, conversations.Count, stillOpen, openSeconds, atStart, memory, descriptors, redis, redisUsed, errors);
            Console.WriteLine($"   after {Settle.TotalSeconds:F0} s idle: {stillOpen} WebSockets open; server RSS {memory?.RssMb:F0} MB, peak (VmHWM) {memory?.PeakRssMb:F0} MB, {memory?.Threads} threads, {descriptors} file descriptors; ≈ {result.KbPerConversation:F1} KB RSS per idle conversation");
            if (redis is not null)
            {
                Console.WriteLine($"   redis-server RSS {redis.Value.RssMb:F0} MB (used_memory {redisUsed / 1048576.0:F1} MB)");
            }

            return result;
        }
        finally
        {
            await Opener.CloseAllAsync(conversations);
        }
    }
}
