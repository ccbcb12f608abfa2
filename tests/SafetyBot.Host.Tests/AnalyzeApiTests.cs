using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using SafetyBot.Testing;

namespace SafetyBot.Host.Tests;

/// <summary><c>POST /api/analyze</c> over real HTTP (Kestrel), and the <c>analyze</c> command as a real process.</summary>
public sealed class AnalyzeApiTests
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task Analyze_ReturnsLanguageSignalsWithEvidence_AndCrisis_WithoutStoringOrLoggingTheText()
    {
        await using var host = await TestHost.StartAsync();

        var response = await host.Client.PostAsync("api/analyze", Json("""{"text": "zebra-canary-1234: this is our little secret, don't tell your mum. and i want to die", "role": "user"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var body = await ReadAsync(response);
        Assert.Equal("en", body.GetProperty("language").GetString());
        Assert.True(body.GetProperty("crisis").GetBoolean());
        var signals = body.GetProperty("signals").EnumerateArray().ToDictionary(s => s.GetProperty("category").GetString()!, s => s.GetProperty("evidence").GetString()!);
        Assert.Contains("secrecy", signals.Keys);
        Assert.Contains("crisis_self_harm", signals.Keys);
        Assert.All(signals.Values, e => Assert.Contains(e, "zebra-canary-1234: this is our little secret, don't tell your mum. and i want to die", StringComparison.Ordinal));
        Assert.DoesNotContain("zebra-canary", host.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReceivedMessages_AreNotCrisis_AndLanguageCanBeHinted()
    {
        await using var host = await TestHost.StartAsync();

        var received = await ReadAsync(await host.Client.PostAsync("api/analyze", Json("""{"text": "if you leave me i will kill myself", "role": "received"}""")));
        Assert.False(received.GetProperty("crisis").GetBoolean());

        // Nothing to tell the language by: the person's locale decides.
        var hinted = await ReadAsync(await host.Client.PostAsync("api/analyze", Json("""{"text": "👍 112 !!", "locale": "uk-UA"}""")));
        Assert.Equal("uk", hinted.GetProperty("language").GetString());
    }

    [Fact]
    public async Task TextOver8KB_Gets413_AndExactly8KB_IsAnalysed()
    {
        await using var host = await TestHost.StartAsync();

        var exactly = await host.Client.PostAsync("api/analyze", Json(JsonSerializer.Serialize(new { text = new string('a', 8192) })));
        Assert.Equal(HttpStatusCode.OK, exactly.StatusCode);

        var over = await host.Client.PostAsync("api/analyze", Json(JsonSerializer.Serialize(new { text = new string('a', 8193) })));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, over.StatusCode);
        Assert.Equal("TextTooLong", (await ReadAsync(over)).GetProperty("error").GetProperty("code").GetString());

        // 8 KB of UTF-8, not of characters: 4,097 Cyrillic letters are 8,194 bytes.
        var cyrillic = await host.Client.PostAsync("api/analyze", Json(JsonSerializer.Serialize(new { text = new string('я', 4097) })));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, cyrillic.StatusCode);

        var huge = await host.Client.PostAsync("api/analyze", Json("{\"text\":\"" + new string('a', 2_000_000) + "\"}"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("[\"text\"]")]
    [InlineData("{\"text\": 42}")]
    [InlineData("{\"text\": \"hi\", \"role\": \"admin\"}")]
    [InlineData("{\"text\": \"hi\", \"locale\": \"en;drop table\"}")]
    [InlineData("{\"text\": \"hi\", \"locale\": 7}")]
    [InlineData("{\"text\": \"hi\"")]
    public async Task MalformedRequests_Get400_WithAClearMessage(string body)
    {
        await using var host = await TestHost.StartAsync();

        var response = await host.Client.PostAsync("api/analyze", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await ReadAsync(response)).GetProperty("error");
        Assert.Equal("BadRequest", error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task InvalidUtf8_AndBrokenSurrogates_GetAnAnswer_NeverA500()
    {
        await using var host = await TestHost.StartAsync();

        var bytes = new ByteArrayContent([.. "{\"text\": \""u8, 0xC3, 0x28, 0xFF, .. "\"}"u8]);
        bytes.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        Assert.Equal(HttpStatusCode.BadRequest, (await host.Client.PostAsync("api/analyze", bytes)).StatusCode);

        var lone = await host.Client.PostAsync("api/analyze", Json("{\"text\": \"send me pics \\ud800 now \\udc00\"}"));
        Assert.True(lone.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, lone.StatusCode.ToString());
        _ = await ReadAsync(lone);
    }

    [Fact]
    public async Task TooManyRequestsFromOneAddress_Get429_WithRetryAfter()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["Analysis:RequestsPerIpPerMinute"] = "3" });

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync("api/analyze", Json("{\"text\": \"hi\"}"))).StatusCode);
        }

        var limited = await host.Client.PostAsync("api/analyze", Json("{\"text\": \"hi\"}"));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter);
    }

    [Fact]
    public async Task OtherMethods_AreRefused()
    {
        await using var host = await TestHost.StartAsync();

        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await host.Client.GetAsync("api/analyze")).StatusCode);
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunCliAsync(string? input, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SafetyBot.Host.dll"));
        info.ArgumentList.Add("analyze");
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token);
        return (process.ExitCode, await output, await error);
    }

    [Fact]
    public async Task Cli_AnalysesOneText_WithLocaleAndRole()
    {
        var (code, output, _) = await RunCliAsync(null, "--locale", "en", "--role", "received", "this is our little secret");

        Assert.Equal(0, code);
        var result = JsonDocument.Parse(output).RootElement;
        Assert.Equal("en", result.GetProperty("language").GetString());
        Assert.Contains(result.GetProperty("signals").EnumerateArray(), s => s.GetProperty("category").GetString() == "secrecy");
        Assert.False(result.GetProperty("crisis").GetBoolean());
    }

    [Fact]
    public async Task Cli_AnalysesAJsonLinesFile_OneResultPerLine_AndReportsBadLines()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllLinesAsync(file,
        [
            """{"id": "a1", "text": "this is our little secret"}""",
            "not json at all",
            """{"id": 7, "text": "Нікому не кажи, що ти мені пишеш", "lang": "uk"}""",
            "",
            """{"id": "a3"}""",
        ]);
        try
        {
            var (code, output, _) = await RunCliAsync(null, "--file", file);

            Assert.Equal(1, code); // two lines could not be read
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(4, lines.Count);
            Assert.Equal("a1", lines[0].GetProperty("id").GetString());
            Assert.Equal("en", lines[0].GetProperty("language").GetString());
            Assert.Equal(2, lines[1].GetProperty("line").GetInt32());
            Assert.True(lines[1].TryGetProperty("error", out _));
            Assert.Equal("uk", lines[2].GetProperty("language").GetString());
            Assert.Equal("a3", lines[3].GetProperty("id").GetString());
            Assert.True(lines[3].TryGetProperty("error", out _));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Cli_ReadsStandardInput_AndExplainsUsage()
    {
        var (code, output, _) = await RunCliAsync("""{"id":"s","text":"send me pics"}""" + "\n", "--file", "-");
        Assert.Equal(0, code);
        Assert.Equal("s", JsonDocument.Parse(output).RootElement.GetProperty("id").GetString());

        var usage = await RunCliAsync(null, "--role", "boss", "x");
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("usage: analyze", usage.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_Check_ValidatesEveryFileAndExample()
    {
        var (code, output, _) = await RunCliAsync(null, "check");

        Assert.Equal(0, code);
        Assert.Contains("12 language files", output, StringComparison.Ordinal);
        Assert.Contains("0 problem(s)", output, StringComparison.Ordinal);
    }
}
