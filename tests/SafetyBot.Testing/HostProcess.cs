using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace SafetyBot.Testing;

/// <summary>The host as its own process, as deployed, so tests can kill it outright.</summary>
public static partial class HostProcess
{
    /// <summary>Starts the host as its own process and waits for the address it prints.</summary>
    public static async Task<(Process Process, Uri Url)> StartAsync(IDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SafetyBot.Host.dll"));
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add("http://127.0.0.1:0");
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var output = new StringBuilder();
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            string text;
            lock (output)
            {
                text = output.ToString();
            }

            if (UrlLine().Match(text) is { Success: true } match)
            {
                return (process, new Uri(match.Groups[1].Value + "/"));
            }

            await Task.Delay(100);
        }

        process.Kill(entireProcessTree: true);
        lock (output)
        {
            throw new InvalidOperationException("the host did not start:\n" + output);
        }
    }

    [GeneratedRegex(@"SafetyBot is running: open (http://127\.0\.0\.1:\d+)/")]
    private static partial Regex UrlLine();
}
