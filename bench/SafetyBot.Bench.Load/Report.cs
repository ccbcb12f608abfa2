using System.Globalization;

namespace SafetyBot.Bench.Load;

/// <summary>The final table and the comparison with the targets.</summary>
internal static class Report
{
    private const double TargetTurnsPerSecond = 2000;
    private const double TargetP99Ms = 50;
    private const int TargetIdleConnections = 5000;
    private const double TargetIdleRssMb = 400;

    public static void Print(Machine machine, BenchOptions options, IReadOnlyList<TurnResult> turns, IReadOnlyList<IdleResult> idle)
    {
        Console.WriteLine();
        Console.WriteLine($"=== Results {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC — {machine.Short}");
        var pace = options.Rate > 0 ? $"paced at {options.Rate} turns/s in all" : "closed loop";
        Console.WriteLine($"    turn load: {options.Conversations} concurrent conversations, {pace}, {options.WarmupSeconds} s warm-up + {options.DurationSeconds} s measured; latency = POST sent → bot reply received on the WebSocket");
        Console.WriteLine();
        var rows = turns.Select(t => new[]
        {
            t.Name,
            t.TurnsPerSecond.ToString("F0", CultureInfo.InvariantCulture),
            t.P50Ms.ToString("F1", CultureInfo.InvariantCulture),
            t.P99Ms.ToString("F1", CultureInfo.InvariantCulture),
            t.MaxMs.ToString("F1", CultureInfo.InvariantCulture),
            t.Errors.Measured.ToString(CultureInfo.InvariantCulture),
            t.Server?.PeakRssMb.ToString("F0", CultureInfo.InvariantCulture) ?? "?",
        }).ToList();
        PrintTable(["mode", "turns/s", "p50 ms", "p99 ms", "max ms", "errors", "host peak RSS MB"], rows);

        if (idle.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("Idle WebSockets (a fresh server process per mode, not the turn-load one; RSS read after all welcomes arrived + 5 s idle):");
            foreach (var i in idle)
            {
                Console.WriteLine($"  {i.Name}: {i.StillOpen}/{i.Requested} open, RSS {i.WithIdle?.RssMb:F0} MB (VmHWM {i.WithIdle?.PeakRssMb:F0} MB; {i.AtStart?.RssMb:F0} MB before connections, ≈ {i.KbPerConversation:F1} KB per conversation){(i.Redis is { } r ? $"; redis-server RSS {r.RssMb:F0} MB" : string.Empty)}");
            }
        }

        Console.WriteLine();
        Console.WriteLine("Targets:");
        if (turns.FirstOrDefault(t => t.Kind == TargetKind.Redis) is { } redis)
        {
            var scaled = redis.Conversations == 200 ? string.Empty : $" (measured at {redis.Conversations}, not 200, conversations)";
            Console.WriteLine($"  with Redis, 200 concurrent conversations: ≥ {TargetTurnsPerSecond:F0} turns/s → {redis.TurnsPerSecond:F0} turns/s: {Verdict(redis.TurnsPerSecond >= TargetTurnsPerSecond)}{scaled}");
            Console.WriteLine($"  with Redis, 200 concurrent conversations: p99 ≤ {TargetP99Ms:F0} ms → {redis.P99Ms:F1} ms: {Verdict(redis.P99Ms <= TargetP99Ms && redis.Turns > 0)}{scaled}");
        }
        else
        {
            Console.WriteLine("  Redis turn targets: not measured (Redis mode not run).");
        }

        if (options.Rate == 0 && turns.FirstOrDefault(t => t.Kind == TargetKind.Redis) is { Turns: > 0 } closed)
        {
            // Little's law: in a closed loop, conversations = throughput × cycle time.
            Console.WriteLine($"  (closed loop: {closed.Conversations} conversations / {closed.TurnsPerSecond:F0} turns/s = {closed.Conversations * 1000.0 / closed.TurnsPerSecond:F0} ms mean cycle per conversation, so at saturation latency is mostly queueing;");
            Console.WriteLine($"   at 2000 turns/s the mean cycle of 200 closed-loop conversations would be 100 ms. Run with --rate N for the latency at a given load below saturation.)");
        }

        foreach (var i in idle.Where(i => i.Kind != TargetKind.Echo))
        {
            var note = i.Requested == TargetIdleConnections ? string.Empty : $" (measured with {i.Requested}, not {TargetIdleConnections})";
            Console.WriteLine($"  {TargetIdleConnections} idle WebSockets < {TargetIdleRssMb:F0} MB RSS, {i.Name} → {i.WithIdle?.RssMb:F0} MB (peak {i.WithIdle?.PeakRssMb:F0} MB): {Verdict(i.WithIdle is { } m && m.RssMb < TargetIdleRssMb && i.StillOpen == i.Requested)}{note}");
        }

        Console.WriteLine();
        Console.WriteLine("CPU in the measured windows, cores busy (server / redis / driver / other processes on the machine):");
        foreach (var t in turns)
        {
            Console.WriteLine($"  {t.Name}: {t.Cpu.ServerCores:F2} / {t.Cpu.RedisCores:F2} / {t.Cpu.DriverCores:F2} / {t.Cpu.OtherCores:F2}; server CPU per turn {t.ServerCpuPerTurnUs:F0} µs");
        }

        if (turns.Any(t => t.Cpu.OtherCores > 0.25))
        {
            Console.WriteLine("  WARNING: processes outside this benchmark (other builds or tests) took CPU during some windows; those figures are lower than a quiet machine gives.");
        }

        Console.WriteLine();
        Console.WriteLine($"Note: this machine has {Environment.ProcessorCount} cores, shared by the load driver, the server under test and redis-server; the targets are for the server, so a machine of its own would do better than shown here.");
    }

    private static string Verdict(bool met) => met ? "met" : "MISSED";

    private static void PrintTable(string[] header, List<string[]> rows)
    {
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        string Line(string[] cells) => string.Join(" | ", cells.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i])));
        Console.WriteLine(Line(header));
        Console.WriteLine(string.Join("-|-", widths.Select(w => new string('-', w))));
        foreach (var row in rows)
        {
            Console.WriteLine(Line(row));
        }
    }
}
