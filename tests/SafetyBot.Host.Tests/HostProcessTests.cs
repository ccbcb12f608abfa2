using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using SafetyBot.Testing;

namespace SafetyBot.Host.Tests;

/// <summary>The host as a real process, the way `dotnet run` starts it.</summary>
public sealed partial class HostProcessTests
{
    private static Process Start(IDictionary<string, string> environment, StringBuilder output, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "SafetyBot.Host.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    [Fact]
    public async Task WithNothingConfigured_ItStarts_PrintsTheUrl_AndAnswers()
    {
        var output = new StringBuilder();
        using var process = Start(new Dictionary<string, string>(), output, "--urls", "http://127.0.0.1:0");
        try
        {
            Match? match = null;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline && !(match = UrlLine().Match(Snapshot(output))).Success && !process.HasExited)
            {
                await Task.Delay(100);
            }

            Assert.True(match!.Success, "no URL printed:\n" + Snapshot(output));
            using var http = new HttpClient { BaseAddress = new Uri(match.Groups[1].Value) };
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("healthz")).StatusCode);
            Assert.Contains("embed.js", await http.GetStringAsync("/"), StringComparison.Ordinal);
            Assert.Contains("Transcripts:EncryptionKey is not set", Snapshot(output), StringComparison.Ordinal);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task WithUnreachableRedis_ItStopsWithAMessageNamingTheSetting()
    {
        var output = new StringBuilder();
        using var process = Start(new Dictionary<string, string> { ["Redis__Configuration"] = "127.0.0.1:" + RedisServer.FreePort() + ",connectTimeout=1000" }, output,
            "--urls", "http://127.0.0.1:0");

        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);

        Assert.Equal(1, process.ExitCode);
        Assert.Contains("Redis__Configuration", Snapshot(output), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", Snapshot(output), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Transcripts__EncryptionKey", "short", "Transcripts:EncryptionKey")]
    [InlineData("Retention__Conversation", "00:00:01", "Retention:Conversation")]
    [InlineData("DirectLine__TokenSigningKey", "abc", "DirectLine:TokenSigningKey")]
    [InlineData("WebChat__QuickExitUrl", "javascript:alert(1)", "WebChat:QuickExitUrl")]
    public async Task WithABadSetting_ItStopsWithAMessageNamingIt(string variable, string value, string named)
    {
        var output = new StringBuilder();
        using var process = Start(new Dictionary<string, string> { [variable] = value }, output, "--urls", "http://127.0.0.1:0");

        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);

        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains(named, Snapshot(output), StringComparison.Ordinal);
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    [GeneratedRegex(@"SafetyBot is running: open (http://127\.0\.0\.1:\d+)/")]
    private static partial Regex UrlLine();
}
