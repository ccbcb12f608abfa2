using System.Diagnostics;

namespace SafetyBot.Bench;

/// <summary>CPU time of the processes in play (the server, its redis-server, this driver) and of the machine at one instant.</summary>
internal sealed record CpuSnapshot(
    long Timestamp,
    TimeSpan ServerCpu,
    TimeSpan RedisCpu,
    TimeSpan DriverCpu,
    double MachineBusySeconds,
    double MachineTotalSeconds,
    IReadOnlyDictionary<string, TimeSpan> ServerThreads)
{
    /// <summary>Reads <c>/proc</c> now; a process not given (null) counts as zero.</summary>
    public static CpuSnapshot Take(int? server, int? redis)
    {
        var (busy, total) = ProcStats.MachineCpu();
        return new CpuSnapshot(Stopwatch.GetTimestamp(),
            server is { } s ? ProcStats.CpuTime(s) : TimeSpan.Zero,
            redis is { } r ? ProcStats.CpuTime(r) : TimeSpan.Zero,
            ProcStats.CpuTime(Environment.ProcessId), busy, total,
            server is { } pid ? ProcStats.CpuByThreadName(pid) : new Dictionary<string, TimeSpan>());
    }
}

/// <summary>Where the CPU went between two snapshots, in cores busy (of <see cref="Environment.ProcessorCount"/>).</summary>
internal sealed record CpuSplit(double Seconds, double ServerCores, double RedisCores, double DriverCores, double MachineCores,
    IReadOnlyList<(string Name, double Cores)> ServerThreads)
{
    public static CpuSplit Between(CpuSnapshot before, CpuSnapshot after)
    {
        var seconds = (after.Timestamp - before.Timestamp) / (double)Stopwatch.Frequency;
        var machineShare = after.MachineTotalSeconds > before.MachineTotalSeconds
            ? (after.MachineBusySeconds - before.MachineBusySeconds) / (after.MachineTotalSeconds - before.MachineTotalSeconds)
            : 0;
        // Threads that ended in between are not seen (thread-pool threads retire).
        var threads = after.ServerThreads
            .Select(t => (Name: t.Key, Cores: (t.Value - before.ServerThreads.GetValueOrDefault(t.Key)).TotalSeconds / seconds))
            .Where(t => t.Cores >= 0.005)
            .OrderByDescending(t => t.Cores)
            .ToList();
        return new CpuSplit(seconds,
            (after.ServerCpu - before.ServerCpu).TotalSeconds / seconds,
            (after.RedisCpu - before.RedisCpu).TotalSeconds / seconds,
            (after.DriverCpu - before.DriverCpu).TotalSeconds / seconds,
            machineShare * Environment.ProcessorCount,
            threads);
    }

    /// <summary>Server CPU by thread name, in cores.</summary>
    public string ServerThreadCores => string.Join(", ", ServerThreads.Select(t => $"{t.Name} {t.Cores:F2}"));

    /// <summary>Cores busy with processes outside this benchmark (other builds or tests on the machine).</summary>
    public double OtherCores => Math.Max(0, MachineCores - ServerCores - RedisCores - DriverCores);

    /// <summary>Microseconds of CPU per unit of work (a turn, an update) for the given cores.</summary>
    public double MicrosecondsPer(double cores, long units) => units > 0 ? cores * Seconds / units * 1e6 : 0;
}
