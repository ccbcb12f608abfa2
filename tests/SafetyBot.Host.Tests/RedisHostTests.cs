using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using SafetyBot.Core.Localization;
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

    /// <summary>A shipped text as SafetyBot writes it (the emergency number is 112 for these conversations).</summary>
    private static string Text(TestHost host, string language, string key) =>
        host.Services.GetRequiredService<TextCatalog>().Format(language, key, ("emergency", "112"));

    [Fact]
    public async Task TwoHosts_ServeOneConversation_ReconnectReplaysAndRepliesCrossHosts()
    {
        var settings = Settings(await SharedRedis.ConfigurationAsync(), SharedRedis.NewPrefix(), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        settings["Transcripts:EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var hostA = await TestHost.StartAsync(settings);
        await using var hostB = await TestHost.StartAsync(settings);
        await using var onA = await DirectLineTestClient.StartAsync(hostA.BaseUrl, "en");
        var question = Text(hostA, "en", "welcome.safe_now");
        await onA.NextBotMessageAsync(a => DirectLineTestClient.TextOf(a) == question);

        // The same conversation, reached through host B with the token host A issued.
        await using var onB = DirectLineTestClient.Attach(hostB.BaseUrl, onA.ConversationId, onA.Token);
        var replay = await onB.GetActivitiesAsync();
        Assert.Equal(3, replay["activities"]!.AsArray().Count); // the welcome, ending with "is it safe for you to talk right now?"
        Assert.Equal(question, DirectLineTestClient.TextOf(replay["activities"]![2]!.AsObject()));
        var reconnect = await onB.SendAsync(HttpMethod.Get, $"v3/directline/conversations/{onA.ConversationId}?watermark=3", null);
        var streamUrl = (string)System.Text.Json.Nodes.JsonNode.Parse(await reconnect.Content.ReadAsStringAsync())!["streamUrl"]!;
        Assert.Contains(hostB.BaseUrl.Authority, streamUrl, StringComparison.Ordinal);
        await onB.OpenStreamAsync(streamUrl);

        // Host B answers the question host A asked, and both streams carry the same replies.
        var yes = await onB.SayAsync("yes");
        var menuOnA = await onA.NextBotMessageAsync(a => (string?)a["replyToId"] == yes);
        var menuOnB = await onB.NextBotMessageAsync(a => (string?)a["replyToId"] == yes);
        var helplines = await onB.SayAsync("Helplines");
        await onB.NextBotMessageAsync(a => (string?)a["replyToId"] == helplines && DirectLineTestClient.TextOf(a) == Text(hostB, "en", "helplines.ask_country"));
        var id = await onB.SayAsync(Text(hostB, "en", "helplines.other_country"));
        var replyOnA = await onA.NextBotMessageAsync(a => (string?)a["replyToId"] == id);
        var replyOnB = await onB.NextBotMessageAsync(a => (string?)a["replyToId"] == id);

        Assert.Equal((string?)menuOnA["id"], (string?)menuOnB["id"]);
        Assert.Equal(Text(hostA, "en", "menu.prompt"), DirectLineTestClient.TextOf(menuOnA));
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
        await client.NextBotMessageAsync(a => DirectLineTestClient.TextOf(a) == Text(host, "uk", "welcome.safe_now"));
        var safe = await client.SayAsync("так");
        await client.NextBotMessageAsync(a => (string?)a["replyToId"] == safe && DirectLineTestClient.TextOf(a) == Text(host, "uk", "menu.prompt"));
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

        // The conversation goes on where it was: the helplines, once the country the locale suggests is confirmed.
        var helplines = await client.SayAsync("Гарячі лінії");
        var confirm = await client.NextBotMessageAsync(a => (string?)a["replyToId"] == helplines);
        Assert.StartsWith(Text(host, "uk", "helplines.confirm_country").Split("{place}")[0], DirectLineTestClient.TextOf(confirm), StringComparison.Ordinal);
        var id = await client.SayAsync("так");
        var reply = await client.NextBotMessageAsync(a => (string?)a["replyToId"] == id);

        Assert.Contains("Гарячі лінії в Україні", DirectLineTestClient.TextOf(reply), StringComparison.Ordinal);
        var history = await client.GetActivitiesAsync();
        Assert.Contains(history["activities"]!.AsArray(), a => DirectLineTestClient.TextOf(a!.AsObject()).Contains("це не твоя провина", StringComparison.Ordinal));
    }
}
