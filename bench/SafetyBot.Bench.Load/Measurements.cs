using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;

namespace SafetyBot.Bench.Load;

/// <summary>Failures by kind, split into the measured window and the rest (warm-up, opening).</summary>
internal sealed class ErrorCounts
{
    private readonly ConcurrentDictionary<string, long> _measured = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _other = new(StringComparer.Ordinal);

    public long Measured => _measured.Values.Sum();

    public long Other => _other.Values.Sum();

    public void Add(string kind, bool measured) =>
        (measured ? _measured : _other).AddOrUpdate(kind, 1, (_, n) => n + 1);

    public string Describe(bool measured)
    {
        var counts = measured ? _measured : _other;
        return counts.IsEmpty ? "none" : string.Join("; ", counts.OrderByDescending(c => c.Value).Select(c => $"{c.Value} × {c.Key}"));
    }
}

/// <summary>One worker's successful turns in the measured window (written by that worker only).</summary>
internal sealed class TurnRecorder
{
    public List<long> ReplyTicks { get; } = new(4096);

    public List<long> PostTicks { get; } = new(4096);

    public int ReplyBeforePostResponse { get; set; }
}

/// <summary>CPU of the processes in play and Redis command counts at one instant.</summary>
internal sealed record ResourceSnapshot(CpuSnapshot Cpu, IReadOnlyDictionary<string, long>? RedisCalls)
{
    public static async Task<ResourceSnapshot> TakeAsync(Target target)
    {
        IReadOnlyDictionary<string, long>? calls = null;
        if (target.Redis is { } redis)
        {
            try
            {
                calls = await redis.CommandCallsAsync();
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
            {
                // Reported as unknown.
            }
        }

        return new ResourceSnapshot(CpuSnapshot.Take(target.Server.Id, target.Redis?.Process.Id), calls);
    }
}

internal static class Stats
{
    public static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static long Percentile(long[] sorted, double quantile) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>Opens many conversations a few at a time, retrying each up to three times.</summary>
internal static class Opener
{
    public static async Task<List<LoadConversation>> OpenAsync(Target target, LoadClients clients, int count, int parallel,
        ErrorCounts failures, CancellationToken cancellationToken, TimeSpan? progressEvery = null)
    {
        var opened = new LoadConversation?[count];
        var next = -1;
        var done = 0;

        async Task WorkAsync()
        {
            while (true)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= count)
                {
                    return;
                }

                for (var attempt = 1; attempt <= 3; attempt++)
                {
                    try
                    {
                        opened[i] = await LoadConversation.OpenAsync(i, target, clients, cancellationToken);
                        Interlocked.Increment(ref done);
                        break;
                    }
                    catch (LoadFailure failure)
                    {
                        failures.Add("open: " + failure.Message, measured: false);
                        await Task.Delay(200, cancellationToken);
                    }
                }
            }
        }

        var stopwatch = Stopwatch.StartNew();
        var all = Task.WhenAll(Enumerable.Range(0, Math.Min(parallel, count)).Select(_ => Task.Run(WorkAsync, cancellationToken)));
        if (progressEvery is { } every)
        {
            while (await Task.WhenAny(all, Task.Delay(every, cancellationToken)) != all)
            {
                var memory = ProcStats.Memory(target.Server.Id);
                Console.WriteLine($"   … {Volatile.Read(ref done)}/{count} open after {stopwatch.Elapsed.TotalSeconds:F0} s (server RSS {memory?.RssMb:F0} MB)");
            }
        }

        try
        {
            await all;
        }
        catch
        {
            await CloseAllAsync(opened.OfType<LoadConversation>());
            throw;
        }

        return [.. opened.OfType<LoadConversation>()];
    }

    public static async Task CloseAllAsync(IEnumerable<LoadConversation> conversations) =>
        await Task.WhenAll(conversations.Select(c => c.DisposeAsync().AsTask()));
}
