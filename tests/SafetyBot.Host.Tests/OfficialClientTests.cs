using SafetyBot.Testing;

namespace SafetyBot.Host.Tests;

/// <summary>
/// The official clients, unmodified, against the real host: botframework-directlinejs from Node (WebSocket
/// and polling) and Bot Framework Web Chat 4.18 in Chromium.
/// </summary>
public sealed class OfficialClientTests
{
    private static readonly Dictionary<string, string> Strict = new() { ["DIRECTLINE_STRICT"] = "1" };

    [Fact]
    public async Task DirectLineJs_WorksOverWebSocketAndPolling_InProcessStorage()
    {
        await using var host = await TestHost.StartAsync();

        var result = await NodeScript.RunAsync("directlinejs-check.mjs", host.BaseUrl, Strict);

        Assert.Contains("websocket: echo before reply", result["checks"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("polling: echo before reply", result["checks"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DirectLineJs_WorksOverWebSocketAndPolling_RedisStorage()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Redis:Configuration"] = await SharedRedis.ConfigurationAsync(),
            ["Redis:KeyPrefix"] = SharedRedis.NewPrefix(),
        });

        await NodeScript.RunAsync("directlinejs-check.mjs", host.BaseUrl, Strict);
    }

    [Fact]
    public async Task SafetyBotWidget_InChromium_OpensChatsExitsAndLeavesNothingBehind()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["DirectLine:TokensPerIpPerMinute"] = "1000" });

        var result = await NodeScript.RunAsync("widget-check.mjs", host.BaseUrl);

        Assert.Contains("quick-exit", result["checks"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("arabic-rtl", result["checks"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebChat418_InChromium_ConnectsSendsAndShowsReplies()
    {
        await using var host = await TestHost.StartAsync();

        var result = await NodeScript.RunAsync("webchat-check.mjs", host.BaseUrl, Strict);

        Assert.Contains("typed message sent", result["checks"]!.ToJsonString(), StringComparison.Ordinal);
    }
}
