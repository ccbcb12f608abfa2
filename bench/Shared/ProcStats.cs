using System.Globalization;

namespace SafetyBot.Bench;

/// <summary>Memory of a process as Linux reports it in <c>/proc/&lt;pid&gt;/status</c>.</summary>
internal readonly record struct MemorySample(long RssKb, long PeakRssKb, int Threads)
{
    public double RssMb => RssKb / 1024.0;

    public double PeakRssMb => PeakRssKb / 1024.0;
}

/// <summary>Reads what the driver needs from <c>/proc</c>: memory, CPU time, limits.</summary>
internal static class ProcStats
{
    // USER_HZ is part of the Linux ABI: /proc times are in hundredths of a second on every architecture .NET runs on.
    private const double TicksPerSecond = 100.0;

    public static MemorySample? Memory(int pid)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines($"/proc/{pid}/status");
        }
        catch (IOException)
        {
            return null;
        }

        long rss = 0, peak = 0;
        var threads = 0;
        foreach (var line in lines)
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line);
            }
            else if (line.StartsWith("Threads:", StringComparison.Ordinal))
            {
                threads = int.Parse(line.AsSpan("Threads:".Length).Trim(), CultureInfo.InvariantCulture);
            }
        }

        return new MemorySample(rss, peak, threads);
    }

    /// <summary>User plus system CPU time the process has used so far.</summary>
    public static TimeSpan CpuTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

            // After "pid (comm) ": state is field 3, utime 14, stime 15 (1-based) → indexes 11 and 12 here.
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / TicksPerSecond);
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
    }

    /// <summary>
    /// CPU time per thread name (runtime threads are named: ".NET TP Worker", ".NET Server GC", ".NET Sockets"…),
    /// so a run can say whether the time went to request work, garbage collection or socket I/O.
    /// </summary>
    public static Dictionary<string, TimeSpan> CpuByThreadName(int pid)
    {
        var byName = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{pid}/task");
        }
        catch (IOException)
        {
            return byName;
        }

        foreach (var task in tasks)
        {
            try
            {
                var name = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                byName[name] = byName.GetValueOrDefault(name) + TimeSpan.FromSeconds(ticks / TicksPerSecond);
            }
            catch (IOException)
            {
                // The thread ended while being read.
            }
        }

        return byName;
    }

    /// <summary>Busy and total CPU time of the whole machine (all cores), from <c>/proc/stat</c>.</summary>
    public static (double BusySeconds, double TotalSeconds) MachineCpu()
    {
        var first = File.ReadLines("/proc/stat").First();
        var values = first.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
            .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var total = values.Sum();
        var idle = values[3] + values[4];
        return ((total - idle) / TicksPerSecond, total / TicksPerSecond);
    }

    /// <summary>The "Max open files" line of <c>/proc/&lt;pid&gt;/limits</c> as "soft/hard".</summary>
    public static string OpenFilesLimit(string pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            var parts = line?["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts is { Length: >= 2 } ? parts[0] + "/" + parts[1] : "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    public static long SoftOpenFilesLimit(string pid)
    {
        var soft = OpenFilesLimit(pid).Split('/')[0];
        return soft == "unlimited" ? long.MaxValue : long.TryParse(soft, CultureInfo.InvariantCulture, out var n) ? n : -1;
    }

    public static int OpenFileDescriptors(int pid)
    {
        try
        {
            return Directory.GetFiles($"/proc/{pid}/fd").Length;
        }
        catch (IOException)
        {
            return -1;
        }
        catch (UnauthorizedAccessException)
        {
            return -1;
        }
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
