using System.Diagnostics;

namespace SafetyBot.Bench.Load;

/// <summary>What one turn-load run measured.</summary>
internal sealed record TurnResult(
    TargetKind Kind,
    int Conversations,
    int Opened,
    double WindowSeconds,
    long Turns,
    double P50Ms,
    double P90Ms,
    double P99Ms,
    double MaxMs,
    double PostP50Ms,
    double PostP99Ms,
    double ReplyBeforePostShare,
    ErrorCounts Errors,
    int BadFrames,
    CpuSplit Cpu,
    MemorySample? Server,
    MemorySample? Redis,
    double RedisCommandsPerTurn,
    string RedisCommandMix)
{
    public string Name => Target.NameOf(Kind);

    public double TurnsPerSecond => WindowSeconds > 0 ? Turns / WindowSeconds : 0;

    /// <summary>Server CPU time per measured turn, in microseconds.</summary>
    public double ServerCpuPerTurnUs => Cpu.MicrosecondsPer(Cpu.ServerCores, Turns);

    public double RedisCpuPerTurnUs => Cpu.MicrosecondsPer(Cpu.RedisCores, Turns);

    public double DriverCpuPerTurnUs => Cpu.MicrosecondsPer(Cpu.DriverCores, Turns);
}

/// <summary>
/// Closed-loop turn load: N conversations each post a message and wait for the bot's reply on their socket,
/// then post the next. Turns finishing during the warm-up are not counted, nor those still running at the end.
/// </summary>
internal static class TurnLoad
{
    private const int OpenParallel = 32;

    public static async Task<TurnResult> RunAsync(Target target, BenchOptions options, CancellationToken cancellationToken)
    {
        Console.WriteLine();
        var pace = options.Rate > 0 ? $"paced at {options.Rate} turns/s in all" : "closed loop (next message as soon as the reply arrived)";
        Console.WriteLine($"== {target.Name}: {options.Conversations} conversations, {pace}, warm-up {options.WarmupSeconds} s, measured {options.DurationSeconds} s");
        Console.WriteLine($"   server pid {target.Server.Id} at {target.BaseUri}{(target.Redis is { } r ? $"; redis-server pid {r.Process.Id} on port {r.Port}" : string.Empty)}");

        using var clients = new LoadClients();
        var errors = new ErrorCounts();
        var openWatch = Stopwatch.StartNew();
        var conversations = await Opener.OpenAsync(target, clients, options.Conversations, OpenParallel, errors, cancellationToken);
        Console.WriteLine($"   opened {conversations.Count}/{options.Conversations} conversations (token, conversation, WebSocket{(target.IsDirectLine ? ", welcome" : string.Empty)}) in {openWatch.Elapsed.TotalSeconds:F1} s");

        var frequency = Stopwatch.Frequency;
        var start = Stopwatch.GetTimestamp();
        var warmupEnd = start + (options.WarmupSeconds * frequency);
        var end = warmupEnd + (options.DurationSeconds * frequency);
        var recorders = conversations.Select(_ => new TurnRecorder()).ToArray();
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Paced runs: each conversation posts every (conversations / rate) seconds, starting at a random phase.
        var interval = options.Rate > 0 ? (long)(conversations.Count * (double)frequency / options.Rate) : 0;
        var workers = conversations.Select((c, i) => Task.Run(
            () => WorkAsync(c, recorders[i], errors, new Schedule(start, warmupEnd, end, interval), abort.Token), CancellationToken.None)).ToArray();

        ResourceSnapshot before, after;
        MemorySample? server, redis;
        try
        {
            await DelayUntilAsync(warmupEnd, cancellationToken);
            before = await ResourceSnapshot.TakeAsync(target);
            await DelayUntilAsync(end, cancellationToken);
            after = await ResourceSnapshot.TakeAsync(target);
            server = ProcStats.Memory(target.Server.Id);
            redis = target.Redis is null ? null : ProcStats.Memory(target.Redis.Process.Id);
        }
        finally
        {
            // Workers stop after their turn in flight (at most the reply time-out); never wait longer than that.
            try
            {
                await Task.WhenAll(workers).WaitAsync(LoadConversation.ReplyTimeout + TimeSpan.FromSeconds(5), CancellationToken.None);
            }
            catch (TimeoutException)
            {
                await abort.CancelAsync();
                await Task.WhenAll(workers);
            }

            await Opener.CloseAllAsync(conversations);
        }

        var replies = recorders.SelectMany(r => r.ReplyTicks).ToArray();
        var posts = recorders.SelectMany(r => r.PostTicks).ToArray();
        Array.Sort(replies);
        Array.Sort(posts);
        var turns = replies.LongLength;
        var redisCalls = RedisCommands(before, after, turns);
        var result = new TurnResult(target.Kind, options.Conversations, conversations.Count, options.DurationSeconds, turns,
            Stats.Ms(Stats.Percentile(replies, 0.50)), Stats.Ms(Stats.Percentile(replies, 0.90)),
            Stats.Ms(Stats.Percentile(replies, 0.99)), Stats.Ms(Stats.Percentile(replies, 1.0)),
            Stats.Ms(Stats.Percentile(posts, 0.50)), Stats.Ms(Stats.Percentile(posts, 0.99)),
            turns > 0 ? recorders.Sum(r => r.ReplyBeforePostResponse) / (double)turns : 0,
            errors, conversations.Sum(c => c.BadFrames), CpuSplit.Between(before.Cpu, after.Cpu), server, redis, redisCalls.PerTurn, redisCalls.Mix);
        Print(result, target);
        return result;
    }

    private static async Task WorkAsync(LoadConversation conversation, TurnRecorder recorder, ErrorCounts errors, Schedule schedule,
        CancellationToken cancellationToken)
    {
        var (start, warmupEnd, end, interval) = schedule;
        var next = interval > 0 ? start + Random.Shared.NextInt64(interval) : 0;
        try
        {
            while (true)
            {
                if (interval > 0)
                {
                    await DelayUntilAsync(next, cancellationToken);

                    // Behind schedule (the server is saturated): go on at once, without a burst to catch up.
                    next = Math.Max(next + interval, Stopwatch.GetTimestamp());
                }

                TurnOutcome outcome;
                try
                {
                    outcome = await conversation.TurnAsync(cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A driver bug must show up as a counted error, not end the run.
                    outcome = TurnOutcome.Failed("driver exception: " + ex.GetType().Name);
                }

                var now = Stopwatch.GetTimestamp();
                if (now >= end)
                {
                    return;
                }

                var measured = now >= warmupEnd;
                if (outcome.Error is null)
                {
                    if (measured)
                    {
                        recorder.ReplyTicks.Add(outcome.ReplyTicks);
                        recorder.PostTicks.Add(outcome.PostTicks);
                        if (outcome.ReplyTicks < outcome.PostTicks)
                        {
                            recorder.ReplyBeforePostResponse++;
                        }
                    }
                }
                else
                {
                    errors.Add(outcome.Error, measured);

                    // Back off a little so a failing server is not hammered by a spinning loop.
                    await Task.Delay(100, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    private readonly record struct Schedule(long Start, long WarmupEnd, long End, long Interval);

    private static async Task DelayUntilAsync(long timestamp, CancellationToken cancellationToken)
    {
        var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining, cancellationToken);
        }
    }

    private static (double PerTurn, string Mix) RedisCommands(ResourceSnapshot before, ResourceSnapshot after, long turns)
    {
        if (before.RedisCalls is null || after.RedisCalls is null || turns == 0)
        {
            return (0, string.Empty);
        }

        // INFO is the driver's own probe.
        var deltas = after.RedisCalls
            .Where(c => c.Key != "info")
            .Select(c => (Command: c.Key, Calls: c.Value - before.RedisCalls.GetValueOrDefault(c.Key)))
            .Where(c => c.Calls > 0)
            .OrderByDescending(c => c.Calls)
            .ToArray();
        var perTurn = deltas.Sum(c => c.Calls) / (double)turns;
        var mix = string.Join(", ", deltas.Select(c => $"{c.Command} {c.Calls / (double)turns:F2}"));
        return (perTurn, mix);
    }

    private static void Print(TurnResult r, Target target)
    {
        Console.WriteLine($"   {r.Turns} turns in {r.WindowSeconds} s = {r.TurnsPerSecond:F0} turns/s; reply latency p50 {r.P50Ms:F1} ms, p90 {r.P90Ms:F1} ms, p99 {r.P99Ms:F1} ms, max {r.MaxMs:F1} ms");
        Console.WriteLine($"   POST response p50 {r.PostP50Ms:F1} ms, p99 {r.PostP99Ms:F1} ms; reply on the socket before the POST response in {r.ReplyBeforePostShare:P0} of turns");
        Console.WriteLine($"   errors in the measured window: {r.Errors.Measured} ({r.Errors.Describe(measured: true)}); while opening/warming up: {r.Errors.Other} ({r.Errors.Describe(measured: false)}); unreadable frames: {r.BadFrames}");
        Console.WriteLine($"   CPU, cores busy of {Environment.ProcessorCount}: server {r.Cpu.ServerCores:F2}, redis {r.Cpu.RedisCores:F2}, driver {r.Cpu.DriverCores:F2}, other processes {r.Cpu.OtherCores:F2} (whole machine {r.Cpu.MachineCores:F2})");
        Console.WriteLine($"   server CPU by thread, cores: {r.Cpu.ServerThreadCores}");
        Console.WriteLine($"   CPU per turn: server {r.ServerCpuPerTurnUs:F0} µs, redis {r.RedisCpuPerTurnUs:F0} µs, driver {r.DriverCpuPerTurnUs:F0} µs");
        if (target.Redis is not null)
        {
            Console.WriteLine($"   Redis commands per turn: {r.RedisCommandsPerTurn:F2} ({r.RedisCommandMix})");
        }

        Console.WriteLine($"   server RSS {r.Server?.RssMb:F0} MB, peak (VmHWM) {r.Server?.PeakRssMb:F0} MB, {r.Server?.Threads} threads{(r.Redis is { } m ? $"; redis-server RSS {m.RssMb:F0} MB" : string.Empty)}");
    }
}
