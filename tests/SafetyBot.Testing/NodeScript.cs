using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace SafetyBot.Testing;

/// <summary>Runs one of the Node scripts in tests/node (official clients, Chromium) and reports its result.</summary>
public static class NodeScript
{
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SafetyBot.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (SafetyBot.sln) above " + AppContext.BaseDirectory);
    }

    /// <summary>Runs the script with the base URL; fails with its whole output unless it printed {"ok":true}.</summary>
    public static async Task<JsonObject> RunAsync(string script, Uri baseUrl, IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var folder = Path.Combine(RepositoryRoot(), "tests", "node");
        if (!Directory.Exists(Path.Combine(folder, "node_modules")))
        {
            throw new InvalidOperationException("tests/node/node_modules is missing: run ./eng/test.sh (it runs `npm ci` there).");
        }

        if (!File.Exists("/usr/bin/chromium") && script.Contains("webchat", StringComparison.Ordinal) | script.Contains("widget", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("Chromium is not installed: run ./eng/test.sh (it installs Debian's chromium).");
        }

        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(baseUrl.ToString().TrimEnd('/'));
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("node did not start; is Node.js installed?");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine("stderr: " + e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} did not finish in time. Output:\n{output}");
        }

        process.WaitForExit();
        string text;
        lock (output)
        {
            text = output.ToString();
        }

        var resultLine = text.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("{\"ok\"", StringComparison.Ordinal));
        if (process.ExitCode != 0 || resultLine is null || JsonNode.Parse(resultLine) is not JsonObject result || (bool?)result["ok"] != true)
        {
            throw new Xunit.Sdk.XunitException($"{script} failed (exit {process.ExitCode}). Output:\n{text}");
        }

        return result;
    }
}
