using System.Diagnostics;
using System.Text.Json.Nodes;

namespace SafetyBot.Host.Tests;

/// <summary><c>dialogs check</c> run as a process, the way a hotline runs it after editing a file.</summary>
public sealed class DialogsCommandTests
{
    [Fact]
    public async Task Check_OnTheShippedFiles_PrintsFlowsLanguagesCoverageAndUnverifiedHelplines()
    {
        var (code, output, error) = await RunAsync(null, "check");

        Assert.True(code == 0, error);
        Assert.Contains("OK: every flow, language and helpline file", output, StringComparison.Ordinal);
        foreach (var flow in new[] { "welcome", "selfcheck", "checkmessage", "sextortion", "joboffer", "helplines", "human" })
        {
            Assert.Contains("  " + flow, output, StringComparison.Ordinal);
        }

        var header = output.Split('\n').First(l => l.TrimStart().StartsWith("group", StringComparison.Ordinal));
        foreach (var language in new[] { "en", "es", "fr", "de", "it", "ru", "uk", "pl", "ro", "ar", "tr", "pt" })
        {
            Assert.Contains(" " + language, header, StringComparison.Ordinal);
        }

        var table = output.Split("OK:")[0].Split('\n').SkipWhile(l => !l.TrimStart().StartsWith("group", StringComparison.Ordinal));
        Assert.DoesNotContain(table, l => l.Contains('!', StringComparison.Ordinal));
        Assert.Contains("DRAFT: needs review by a native speaker", output, StringComparison.Ordinal);
        Assert.Contains("Helplines waiting for verification", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnABrokenCopy_ShowsTheGap_NamesFileAndReason_AndFails()
    {
        var root = Path.Combine(Path.GetTempPath(), "safetybot-check-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var folder in new[] { "dialogs", "dialogs/flows", "localization", "analysis" })
        {
            Directory.CreateDirectory(Path.Combine(root, folder));
            foreach (var file in Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, folder), "*.json"))
            {
                File.Copy(file, Path.Combine(root, folder, Path.GetFileName(file)));
            }
        }

        try
        {
            var pl = Path.Combine(root, "localization", "pl.json");
            var json = JsonNode.Parse(await File.ReadAllTextAsync(pl))!.AsObject();
            json.Remove("sextortion.adult");
            await File.WriteAllTextAsync(pl, json.ToJsonString());

            var (code, output, error) = await RunAsync(root, "check");

            Assert.Equal(1, code);
            var row = output.Split('\n').First(l => l.TrimStart().StartsWith("sextortion", StringComparison.Ordinal));
            Assert.Contains("!7/8", row, StringComparison.Ordinal);
            Assert.Contains("pl.json", error, StringComparison.Ordinal);
            Assert.Contains("'sextortion.adult' is missing", error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task UnknownSubcommand_PrintsUsage()
    {
        var (code, _, error) = await RunAsync(null, "fix");

        Assert.Equal(2, code);
        Assert.Contains("dialogs check", error, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string? contentRoot, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SafetyBot.Host.dll"));
        info.ArgumentList.Add("dialogs");
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        if (contentRoot is not null)
        {
            info.Environment["Content__Root"] = contentRoot;
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token);
        return (process.ExitCode, await output, await error);
    }
}
