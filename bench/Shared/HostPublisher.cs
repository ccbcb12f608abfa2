using System.Diagnostics;

namespace SafetyBot.Bench;

/// <summary>Builds the SafetyBot host the drivers run as a child process (unless they are given --host-dll).</summary>
internal static class HostPublisher
{
    /// <summary>
    /// Publishes the host in Release into the workspace. --artifacts-path keeps this build's obj/bin apart from
    /// src/*/obj, which other engineers' builds use at the same time.
    /// </summary>
    public static async Task<string> PublishAsync(string workspace, CancellationToken cancellationToken)
    {
        var root = FindRepositoryRoot()
            ?? throw new BenchException("Cannot find SafetyBot.sln above the current directory: run from the repository, or pass --host-dll.");
        var output = Path.Combine(workspace, "host");
        Console.WriteLine($"Publishing src/SafetyBot.Host (Release) to {output} …");
        var watch = Stopwatch.StartNew();
        await using var publish = ChildProcess.Start("dotnet publish", DotNet.Muxer,
        [
            "publish", Path.Combine(root, "src", "SafetyBot.Host"), "-c", "Release", "-o", output,
            "--artifacts-path", Path.Combine(workspace, "artifacts"), "--disable-build-servers", "-nologo",
        ], workingDirectory: root);
        await publish.WaitForExitAsync(cancellationToken);
        if (publish.ExitCode != 0)
        {
            throw new BenchException($"dotnet publish of src/SafetyBot.Host failed (exit code {publish.ExitCode}):\n{publish.Tail()}");
        }

        var dll = Path.Combine(output, "SafetyBot.Host.dll");
        if (!File.Exists(dll))
        {
            throw new BenchException($"dotnet publish succeeded but {dll} is missing:\n{publish.Tail()}");
        }

        Console.WriteLine($"Published in {watch.Elapsed.TotalSeconds:F0} s.");
        return dll;
    }

    private static string? FindRepositoryRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "SafetyBot.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }
}
