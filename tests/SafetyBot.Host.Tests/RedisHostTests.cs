using System.Net;
using System.Security.Cryptography;
using SafetyBot.Testing;

namespace SafetyBot.Host.Tests;

/// <summary>Hosts on a real Redis: several hosts serving one conversation, and Redis going away and coming back.</summary>
public sealed class RedisHostTests
{
    private static Dictionary<string, string?> Settings(string redis, string prefix, string signingKey) => new()
    {
        ["Redis:Configuration"] = redis,
        ["Redis:KeyPrefix"] = prefix,
        ["DirectLine:TokenSigningKey"] = signingKey,
        ["Transcripts:EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
    };

    [Fact]
    public async Task TwoHosts_ServeOneConversation_ReconnectReplaysAndRepliesCrossHosts()
    {
        var settings = Settings(await SharedRedis.ConfigurationAsync(), SharedRedis.NewPrefix(), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        settings["Transcripts:EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var hostA = await TestHost.StartAsync(settings);
        await using var hostB = await TestHost.StartAsync(settings);
        await using var onA = await DirectLineTestClient.StartAsync(hostA.BaseUrl, "en");
        await onA.NextBotMessageAsync();
        await onA.NextBotMessageAsync();

        // The same conversation, reached through host B with the token host A issued.
        await using var onB = DirectLineTestClient.Attach(hostB.BaseUrl, onA.ConversationId, onA.Token);
        var replay = await onB.GetActivitiesAsync();
        Assert.Equal(2, replay["activities"]!.AsArray().Count);
        var reconnect = await onB.SendAsync(HttpMethod.Get, $"v3/directline/conversations/{onA.ConversationId}?watermark=2", null);
        var streamUrl = (string)System.Text.Json.Nodes.JsonNode.Parse(await reconnect.Content.ReadAsStringAsync())!["streamUrl"]!;
        Assert.Contains(hostB.BaseUrl.Authority, streamUrl, StringComparison.Ordinal);
        await onB.OpenStreamAsync(streamUrl);

        var id = await onB.SayAsync("Helplines");
        var replyOnA = await onA.NextBotMessageAsync(a => (string?)a["replyToId"] == id);
        var replyOnB = await onB.NextBotMessageAsync(a => (string?)a["replyToId"] == id);

        Assert.Equal((string?)replyOnA["id"], (string?)replyOnB["id"]);
        Assert.Contains("116 111", DirectLineTestClient.TextOf(replyOnA), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedisLostWhileRunning_BotAnswersWithHelplines_ReadyzReports_AndItRecovers()
    {
        await using var redis = await RedisServer.StartAsync();
        var settings = Settings(redis.Configuration, "t:", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        await using var host = await TestHost.StartAsync(settings);
        await using var client = await DirectLineTestClient.StartAsync(host.BaseUrl, "uk-UA");
        await client.NextBotMessageAsync();
        await client.NextBotMessageAsync();
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("readyz")).StatusCode);

        await redis.StopAsync(save: true);
        var duringOutage = await client.SendAsync(HttpMethod.Post, $"v3/directline/conversations/{client.ConversationId}/activities",
            new { type = "message", text = "допоможіть", channelData = new { clientActivityID = "c1" } });
        var fallback = await client.NextBotMessageAsync();
        var readyDuringOutage = await host.Client.GetAsync("readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, duringOutage.StatusCode);
        Assert.Contains("технічна проблема", DirectLineTestClient.TextOf(fallback), StringComparison.Ordinal);
        Assert.Contains("112", DirectLineTestClient.TextOf(fallback), StringComparison.Ordinal);
        Assert.Contains("527", DirectLineTestClient.TextOf(fallback), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyDuringOutage.StatusCode);

        await redis.RestartAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await host.Client.GetAsync("readyz")).StatusCode != HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        var id = await client.SayAsync("Гарячі лінії");
        var reply = await client.NextBotMessageAsync(a => (string?)a["replyToId"] == id);

        Assert.Contains("Гарячі лінії в Україні", DirectLineTestClient.TextOf(reply), StringComparison.Ordinal);
        var history = await client.GetActivitiesAsync();
        Assert.Contains(history["activities"]!.AsArray(), a => DirectLineTestClient.TextOf(a!.AsObject()).Contains("це не твоя провина", StringComparison.Ordinal));
    }
}
