using System.Globalization;
using System.Runtime.InteropServices;

namespace SafetyBot.Bench.Load;

/// <summary>The <c>run</c> mode: build the host, then measure every mode one after another, then print the table.</summary>
internal static class Driver
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        using var stop = new CancellationTokenSource();
        void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            if (!stop.IsCancellationRequested)
            {
                // First Ctrl+C: unwind, which stops every child; a second one ends at once (children killed).
                e.Cancel = true;
                Console.Error.WriteLine("Stopping: closing connections and child processes (Ctrl+C again to kill them now)…");
                stop.Cancel();
            }
            else
            {
                ChildProcess.KillAll();
            }
        }

        Console.CancelKeyPress += OnCancel;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => ChildProcess.KillAll();
        var workspace = Directory.CreateTempSubdirectory("safetybot-bench-").FullName;
        try
        {
            var machine = Machine.Describe();
            Console.WriteLine(machine.Line);
            Console.WriteLine($"Note: {Environment.ProcessorCount} cores shared by the driver, the server under test and Redis; every figure includes that contention (CPU split per run below).");
            CheckFileLimits(options);
            await PrintBackgroundLoadAsync(stop.Token);
            if (options.Modes.Contains(TargetKind.Redis) && !File.Exists(RedisServer.Executable))
            {
                throw new BenchException(
                    $"The Redis run needs Debian's redis-server at {RedisServer.Executable}, and it is not installed. Install it with `apt-get update && apt-get install -y redis-server`, or leave Redis out with --modes echo,inproc.");
            }

            var needsHost = options.Modes.Any(m => m != TargetKind.Echo);
            var hostDll = options.HostDll ?? (needsHost ? await HostPublisher.PublishAsync(workspace, stop.Token) : string.Empty);
            var context = new BenchContext(options, hostDll, workspace);
            if (needsHost)
            {
                Console.WriteLine($"SafetyBot host: {hostDll}");
            }

            var turns = new List<TurnResult>();
            foreach (var kind in options.Conversations > 0 ? options.Modes : [])
            {
                await using var target = await Target.StartAsync(kind, context, stop.Token);
                turns.Add(await TurnLoad.RunAsync(target, options, stop.Token));
            }

            var idle = new List<IdleResult>();
            if (options.IdleConnections > 0)
            {
                foreach (var kind in options.Modes)
                {
                    await using var target = await Target.StartAsync(kind, context, stop.Token);
                    idle.Add(await IdleLoad.RunAsync(target, options.IdleConnections, stop.Token));
                }
            }

            Report.Print(machine, options, turns, idle);
            return 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("Cancelled; child processes stopped.");
            return 130;
        }
        finally
        {
            ChildProcess.KillAll();
            Console.CancelKeyPress -= OnCancel;
            try
            {
                Directory.Delete(workspace, recursive: true);
            }
            catch (IOException)
            {
                // A temp directory left behind is harmless.
            }
        }
    }

    /// <summary>Other work on the machine (builds, tests) competes for the same cores: say how much there is before starting.</summary>
    private static async Task PrintBackgroundLoadAsync(CancellationToken cancellationToken)
    {
        var (busyBefore, totalBefore) = ProcStats.MachineCpu();
        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
        var (busyAfter, totalAfter) = ProcStats.MachineCpu();
        var cores = totalAfter > totalBefore ? (busyAfter - busyBefore) / (totalAfter - totalBefore) * Environment.ProcessorCount : 0;
        Console.WriteLine($"Machine busy before the benchmark starts (other processes): {cores:F2} of {Environment.ProcessorCount} cores over 3 s.");
    }

    /// <summary>
    /// The .NET runtime raises its soft open-files limit to the hard limit at start-up, and children inherit
    /// it; this only checks that the hard limit leaves room for the idle sockets (one per connection on
    /// each side, in separate processes).
    /// </summary>
    private static void CheckFileLimits(BenchOptions options)
    {
        var needed = Math.Max(options.IdleConnections, options.Conversations) + 512;
        var soft = ProcStats.SoftOpenFilesLimit("self");
        Console.WriteLine($"Open files limit (soft/hard) of this driver: {ProcStats.OpenFilesLimit("self")}, inherited by the children; about {needed} needed per process.");
        if (soft >= 0 && soft < needed)
        {
            Console.WriteLine($"WARNING: the limit is below {needed}: raise it first (`ulimit -n {needed * 2}` in this shell, or the hard limit in /etc/security/limits.conf).");
        }
    }
}

/// <summary>The machine the numbers come from.</summary>
internal sealed record Machine(string Line, string Short)
{
    public static Machine Describe()
    {
        var cpu = ReadField("/proc/cpuinfo", "model name", ':') ?? "unknown CPU";
        var os = ReadField("/etc/os-release", "PRETTY_NAME", '=')?.Trim('"') ?? RuntimeInformation.OSDescription;
        var memoryKb = ReadField("/proc/meminfo", "MemTotal", ':')?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        var memoryGb = long.TryParse(memoryKb, CultureInfo.InvariantCulture, out var kb) ? kb / 1048576.0 : 0;
        var dotnet = RuntimeInformation.FrameworkDescription;
        var line = $"Machine: {Environment.ProcessorCount} cores (Environment.ProcessorCount; {cpu}), {memoryGb:F0} GB RAM, {os} ({RuntimeInformation.OSDescription}), {dotnet}";
        return new Machine(line, $"{Environment.ProcessorCount} cores, {os}, {dotnet}");
    }

    private static string? ReadField(string path, string name, char separator)
    {
        try
        {
            var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal));
            return line?[(line.IndexOf(separator, StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }
}
