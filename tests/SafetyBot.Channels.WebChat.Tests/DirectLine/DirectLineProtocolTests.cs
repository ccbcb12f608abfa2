using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SafetyBot.Core.Localization;
using SafetyBot.Core.Streams;
using SafetyBot.Testing;

namespace SafetyBot.Channels.WebChat.Tests.DirectLine;

/// <summary>The Direct Line 3.0 surface over real HTTP and WebSockets on Kestrel (in-process storage).</summary>
public sealed class DirectLineProtocolTests : IAsyncLifetime
{
    private const string Secret = "test-secret-for-direct-line";
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(new Dictionary<string, string?>
    {
        ["DirectLine:Secret"] = Secret,
        ["DirectLine:ActivitiesPerConversationPer10Seconds"] = "1000",
    });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private HttpRequestMessage Request(HttpMethod method, string path, string? bearer, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (body is string raw)
        {
            request.Content = new StringContent(raw, Encoding.UTF8, "application/json");
        }
        else if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return request;
    }

    private async Task<(HttpStatusCode Status, JsonObject? Body)> CallAsync(HttpMethod method, string path, string? bearer, object? body = null)
    {
        using var response = await _host.Client.SendAsync(Request(method, path, bearer, body));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) as JsonObject : null);
    }

    private static string? ErrorCode(JsonObject? body) => (string?)body?["error"]?["code"];

    /// <summary>A shipped English text as SafetyBot writes it (the emergency number is 112 for these conversations).</summary>
    private string Text(string key) => _host.Services.GetRequiredService<TextCatalog>().Format("en", key, ("emergency", "112"));

    /// <summary>Waits on the stream until the welcome has ended with "is it safe for you to talk right now?".</summary>
    private Task<JsonObject> SafetyQuestionAsync(DirectLineTestClient client) =>
        client.NextBotMessageAsync(a => DirectLineTestClient.TextOf(a) == Text("welcome.safe_now"));

    [Fact]
    public async Task GenerateToken_WithTheSecret_GivesAConversationBoundToken()
    {
        var (status, body) = await CallAsync(HttpMethod.Post, "v3/directline/tokens/generate", Secret, new { user = new { id = "dl_custom-user" } });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(string.IsNullOrEmpty((string?)body!["conversationId"]));
        Assert.Equal(1800, (int)body["expires_in"]!);
        var payload = JsonNode.Parse(Convert.FromBase64String(Pad(((string)body["token"]!).Split('.')[1])))!;
        Assert.Equal("dl_custom-user", (string?)payload["user"]);
        Assert.Equal((string?)body["conversationId"], (string?)payload["conv"]);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized, "Unauthorized")]
    [InlineData("wrong-secret", HttpStatusCode.Forbidden, "TokenInvalid")]
    [InlineData("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJjb252IjoieCIsInVzZXIiOiJkbF94IiwiaWF0IjoxLCJleHAiOjk5OTk5OTk5OTl9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", HttpStatusCode.Forbidden, "TokenInvalid")]
    public async Task GenerateToken_WithoutTheSecret_IsRefused(string? bearer, HttpStatusCode expected, string code)
    {
        var (status, body) = await CallAsync(HttpMethod.Post, "v3/directline/tokens/generate", bearer);

        Assert.Equal(expected, status);
        Assert.Equal(code, ErrorCode(body));
    }

    [Fact]
    public async Task StartConversation_Returns201WithStreamUrl_AndTheWelcomeIsWaiting()
    {
        var token = (string)(await CallAsync(HttpMethod.Post, "v3/directline/tokens/generate", Secret)).Body!["token"]!;

        var (status, body) = await CallAsync(HttpMethod.Post, "v3/directline/conversations", token);
        var again = await CallAsync(HttpMethod.Post, "v3/directline/conversations", token);
        var conversationId = (string)body!["conversationId"]!;
        var activities = await CallAsync(HttpMethod.Get, $"v3/directline/conversations/{conversationId}/activities", token);

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.StartsWith("ws://127.0.0.1:", (string?)body["streamUrl"], StringComparison.Ordinal);
        Assert.Contains("/stream?t=", (string?)body["streamUrl"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, again.Status);
        // The welcome: greeting, emergency number and how to leave, then "is it safe for you to talk right now?" with its answers.
        var list = activities.Body!["activities"]!.AsArray();
        Assert.Equal(3, list.Count);
        Assert.All(list, a => Assert.Equal("bot", (string?)a!["from"]!["role"]));
        Assert.Contains("it is not your fault", (string?)list[0]!["text"], StringComparison.Ordinal);
        Assert.Equal(Text("welcome.safety"), (string?)list[1]!["text"]);
        Assert.Contains("call 112", (string?)list[1]!["text"], StringComparison.Ordinal);
        Assert.Equal(Text("welcome.safe_now"), (string?)list[2]!["text"]);
        Assert.Equal(
            [Text("welcome.safe_yes"), Text("welcome.safe_no"), Text("menu.human"), Text("menu.helplines"), Text("menu.exit")],
            DirectLineTestClient.ButtonsOf(list[2]!.AsObject()));
        Assert.Equal("3", (string?)activities.Body["watermark"]);
    }

    [Fact]
    public async Task StartConversation_WithTheSecret_IssuesAToken()
    {
        var (status, body) = await CallAsync(HttpMethod.Post, "v3/directline/conversations", Secret);

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.False(string.IsNullOrEmpty((string?)body!["token"]));
    }

    [Fact]
    public async Task PostedMessage_IsEchoedWithItsClientId_BeforeTheBotReply_OnTheWebSocket()
    {
        await using var client = await DirectLineTestClient.StartAsync(_host.BaseUrl, "en");
        await SafetyQuestionAsync(client);
        var yes = await client.SayAsync("yes");
        await client.NextBotMessageAsync(a => (string?)a["replyToId"] == yes && DirectLineTestClient.TextOf(a) == Text("menu.prompt"));

        var id = await client.SayAsync("Helplines", clientActivityId: "client-42");
        var reply = await client.NextBotMessageAsync(a => (string?)a["replyToId"] == id);

        var all = client.All;
        var echoIndex = all.ToList().FindIndex(a => (string?)a["id"] == id);
        var replyIndex = all.ToList().FindIndex(a => (string?)a["id"] == (string?)reply["id"]);
        Assert.True(echoIndex >= 0 && echoIndex < replyIndex, "the echo must arrive before the reply");
        Assert.Equal("client-42", (string?)all[echoIndex]["channelData"]!["clientActivityID"]);
        Assert.Equal("user", (string?)all[echoIndex]["from"]!["role"]);
        Assert.Equal(Text("helplines.ask_country"), DirectLineTestClient.TextOf(reply)); // English suggests no country
        Assert.Equal("bot", (string?)reply["from"]!["role"]);
    }

    [Fact]
    public async Task Stream_ReplaysFromTheWatermark_AndReconnectGivesANewStreamUrl()
    {
        await using var first = await DirectLineTestClient.StartAsync(_host.BaseUrl, "en", openStream: false);
        await first.SayAsync("yes"); // to "is it safe to talk?": welcome 1-3, echo 4, menu 5
        await first.SayAsync("Helplines"); // echo 6, "which country are you in?" 7
        var page = await first.GetActivitiesAsync();
        Assert.Equal("7", (string?)page["watermark"]);

        var (status, reconnect) = await CallAsync(HttpMethod.Get, $"v3/directline/conversations/{first.ConversationId}?watermark=5", first.Token);
        Assert.Equal(HttpStatusCode.OK, status);
        var streamUrl = (string)reconnect!["streamUrl"]!;
        Assert.EndsWith("&watermark=5", streamUrl, StringComparison.Ordinal);
        await first.OpenStreamAsync(streamUrl);

        var replayed = await first.NextBotMessageAsync();
        Assert.EndsWith("|0000007", (string?)replayed["id"], StringComparison.Ordinal);
        Assert.Equal(Text("helplines.ask_country"), DirectLineTestClient.TextOf(replayed));
        Assert.Equal(2, first.All.Count);
        Assert.Equal("7", first.LastWatermark);
    }

    [Fact]
    public async Task Polling_ReturnsOnlyActivitiesAfterTheWatermark()
    {
        await using var client = await DirectLineTestClient.StartAsync(_host.BaseUrl, "en", openStream: false);
        await client.SayAsync("menu"); // after the welcome's 3 messages: the echo and the menu

        var page = await client.GetActivitiesAsync("3");
        var empty = await client.GetActivitiesAsync("5");
        var fromStart = await client.GetActivitiesAsync(string.Empty);

        Assert.Equal(2, page["activities"]!.AsArray().Count);
        Assert.Equal("menu", (string?)page["activities"]![0]!["text"]);
        Assert.Equal(Text("menu.prompt"), (string?)page["activities"]![1]!["text"]);
        Assert.Empty(empty["activities"]!.AsArray());
        Assert.Equal("5", (string?)empty["watermark"]);
        Assert.Equal(5, fromStart["activities"]!.AsArray().Count);
    }

    [Fact]
    public async Task RefreshedToken_WorksForTheSameConversation()
    {
        await using var client = await DirectLineTestClient.StartAsync(_host.BaseUrl, "en", openStream: false);

        var (status, body) = await CallAsync(HttpMethod.Post, "v3/directline/tokens/refresh", client.Token);
        var refreshed = (string)body!["token"]!;
        var page = await CallAsync(HttpMethod.Get, $"v3/directline/conversations/{client.ConversationId}/activities", refreshed);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(client.ConversationId, (string?)body["conversationId"]);
        Assert.Equal(HttpStatusCode.OK, page.Status);
    }

    [Fact]
    public async Task Upload_IsRefusedPolitely_AndNothingIsStored()
    {
        await using var client = await DirectLineTestClient.StartAsync(_host.BaseUrl, "en");
        await SafetyQuestionAsync(client);
        using var form = new MultipartFormDataContent { { new ByteArrayContent(Encoding.UTF8.GetBytes("JPEG-BYTES-SECRET-PICTURE")), "file", "photo.jpg" } };
        var request = Request(HttpMethod.Post, $"v3/directline/conversations/{client.ConversationId}/upload?userId=x", client.Token);
        request.Content = form;

        using var response = await _host.Client.SendAsync(request);
        var reply = await client.NextBotMessageAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("never keep pictures", DirectLineTestClient.TextOf(reply), StringComparison.Ordinal);
        var store = _host.Services.GetRequiredService<IActivityStreamStore>();
        var stored = await store.ReadAsync(client.ConversationId, 0, 100, default);
        Assert.DoesNotContain(stored, e => e.Payload.Contains("JPEG-BYTES", StringComparison.Ordinal) || e.Payload.Contains("photo.jpg", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AttachmentsInAMessage_AreNeverStored()
    {
        await using var client = await DirectLineTestClient.StartAsync(_host.BaseUrl, "en", openStream: false);

        var (status, body) = await CallAsync(HttpMethod.Post, $"v3/directline/conversations/{client.ConversationId}/activities", client.Token, new
        {
            type = "message",
            from = new { id = "x" },
            attachments = new[] { new { contentType = "image/png", contentUrl = "data:image/png;base64,SECRETPIXELS", name = "me.png" } },
        });
        var page = await client.GetActivitiesAsync("3");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.NotNull(body!["id"]);
        var text = page.ToJsonString();
        Assert.DoesNotContain("SECRETPIXELS", text, StringComparison.Ordinal);
        Assert.DoesNotContain("me.png", text, StringComparison.Ordinal);
        Assert.Contains("never keep pictures", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadInput_GetsTheDocumentedError_AndChangesNothingStored()
    {
        await using var client = await DirectLineTestClient.StartAsync(_host.BaseUrl, "en", openStream: false);
        var path = $"v3/directline/conversations/{client.ConversationId}/activities";
        await using var other = await DirectLineTestClient.StartAsync(_host.BaseUrl, "en", openStream: false);
        var tampered = client.Token[..^4] + (client.Token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
        var before = (await client.GetActivitiesAsync())["activities"]!.AsArray().Select(a => (string?)a!["id"]).ToList();

        var cases = new (string Name, Task<(HttpStatusCode, JsonObject?)> Call, HttpStatusCode Status, string Code)[]
        {
            ("malformed JSON", CallAsync(HttpMethod.Post, path, client.Token, "{\"type\": \"message\", "), HttpStatusCode.BadRequest, "BadSyntax"),
            ("not an object", CallAsync(HttpMethod.Post, path, client.Token, "[1,2,3]"), HttpStatusCode.BadRequest, "BadSyntax"),
            ("no type", CallAsync(HttpMethod.Post, path, client.Token, "{\"text\":\"hi\"}"), HttpStatusCode.BadRequest, "BadArgument"),
            ("over 256 KB", CallAsync(HttpMethod.Post, path, client.Token, new { type = "message", text = new string('a', 300 * 1024) }), HttpStatusCode.RequestEntityTooLarge, "MessageSizeTooBig"),
            ("unknown conversation", CallAsync(HttpMethod.Get, "v3/directline/conversations/nope/activities", Secret), HttpStatusCode.NotFound, "NotFound"),
            ("forged token", CallAsync(HttpMethod.Get, path, tampered), HttpStatusCode.Forbidden, "TokenInvalid"),
            ("foreign token", CallAsync(HttpMethod.Get, path, other.Token), HttpStatusCode.Forbidden, "Forbidden"),
            ("garbage token", CallAsync(HttpMethod.Get, path, "not.a.token"), HttpStatusCode.Forbidden, "TokenInvalid"),
            ("wrong watermark", CallAsync(HttpMethod.Get, path + "?watermark=abc", client.Token), HttpStatusCode.BadRequest, "BadArgument"),
            ("negative watermark", CallAsync(HttpMethod.Get, path + "?watermark=-1", client.Token), HttpStatusCode.BadRequest, "BadArgument"),
            ("watermark ahead", CallAsync(HttpMethod.Get, path + "?watermark=999", client.Token), HttpStatusCode.BadRequest, "BadArgument"),
            ("invalid UTF-8", PostBytesAsync(path, client.Token, [0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), HttpStatusCode.BadRequest, "BadSyntax"),
        };

        foreach (var (name, call, status, code) in cases)
        {
            var (actualStatus, body) = await call;
            Assert.True(actualStatus == status, $"{name}: expected {status}, got {actualStatus}");
            Assert.True(ErrorCode(body) == code, $"{name}: expected {code}, got {ErrorCode(body)}");
        }

        var page = await client.GetActivitiesAsync();
        Assert.Equal(3, before.Count); // the welcome, and nothing was added by the bad requests
        Assert.Equal(before, page["activities"]!.AsArray().Select(a => (string?)a!["id"]));
    }

    [Fact]
    public async Task ExpiredToken_IsRefusedWithTokenExpired()
    {
        var clock = new ManualClock();
        await using var host = await TestHost.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock));
        await using var client = await DirectLineTestClient.StartAsync(host.BaseUrl, "en", openStream: false);

        clock.Advance(TimeSpan.FromMinutes(31));
        using var request = Request(HttpMethod.Get, $"v3/directline/conversations/{client.ConversationId}/activities", client.Token);
        using var response = await host.Client.SendAsync(request);
        using var refresh = await host.Client.SendAsync(Request(HttpMethod.Post, "v3/directline/tokens/refresh", client.Token));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("TokenExpired", ErrorCode(JsonNode.Parse(await response.Content.ReadAsStringAsync()) as JsonObject));
        Assert.Equal(HttpStatusCode.Forbidden, refresh.StatusCode);
    }

    [Fact]
    public async Task StreamWithABadToken_IsRefusedBeforeTheUpgrade()
    {
        await using var client = await DirectLineTestClient.StartAsync(_host.BaseUrl, "en", openStream: false);
        using var socket = new ClientWebSocket();
        var url = client.StreamUrl!.Replace("?t=", "?t=x", StringComparison.Ordinal);

        var error = await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri(url), CancellationToken.None));

        Assert.Contains("403", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_IgnoresEmptyKeepAliveFrames()
    {
        await using var client = await DirectLineTestClient.StartAsync(_host.BaseUrl, "en", openStream: false);
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(client.StreamUrl!), CancellationToken.None);

        await socket.SendAsync(Array.Empty<byte>(), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[64 * 1024];
        var result = await socket.ReceiveAsync(buffer, new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);

        Assert.Equal(WebSocketMessageType.Text, result.MessageType);
        Assert.Contains("it is not your fault", Encoding.UTF8.GetString(buffer, 0, result.Count), StringComparison.Ordinal);
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    [Fact]
    public async Task Cors_AllowsTheHeadersWebChatSends()
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "v3/directline/conversations");
        preflight.Headers.Add("Origin", "https://help.example.org");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type,x-ms-bot-agent,x-requested-with");

        using var response = await _host.Client.SendAsync(preflight);

        Assert.True(response.IsSuccessStatusCode);
        var allowed = string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers")).ToLowerInvariant();
        foreach (var header in new[] { "authorization", "content-type", "x-ms-bot-agent", "x-requested-with" })
        {
            Assert.Contains(header, allowed, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TooManyMessages_InOneConversation_Get429WithRetryAfter()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["DirectLine:ActivitiesPerConversationPer10Seconds"] = "3" });
        await using var client = await DirectLineTestClient.StartAsync(host.BaseUrl, "en", openStream: false);
        var path = $"v3/directline/conversations/{client.ConversationId}/activities";

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 5; i++)
        {
            var response = await client.SendAsync(HttpMethod.Post, path, new { type = "message", text = "menu" });
            statuses.Add(response.StatusCode);
            limited = response.StatusCode == HttpStatusCode.TooManyRequests ? response : limited;
        }

        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.NotNull(limited);
        Assert.True(limited!.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("TooManyRequests", (string?)JsonNode.Parse(await limited.Content.ReadAsStringAsync())!["error"]!["code"]);
    }

    [Fact]
    public async Task TooManyWidgetTokens_FromOneAddress_Get429WithRetryAfter()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["DirectLine:TokensPerIpPerMinute"] = "2" });

        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            responses.Add(await host.Client.PostAsJsonAsync("api/webchat/token", new { locale = "en" }));
        }

        Assert.Equal(HttpStatusCode.OK, responses[1].StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, responses[2].StatusCode);
        Assert.NotNull(responses[2].Headers.RetryAfter);
    }

    [Fact]
    public async Task ProactiveMessage_ReachesTheOpenStream()
    {
        await using var client = await DirectLineTestClient.StartAsync(_host.BaseUrl, "en");
        await SafetyQuestionAsync(client);
        var adapter = _host.Services.GetRequiredService<SafetyBot.Channels.WebChat.DirectLine.DirectLineAdapter>();
        var reference = new Microsoft.Bot.Schema.ConversationReference
        {
            ChannelId = "directline",
            Conversation = new Microsoft.Bot.Schema.ConversationAccount { Id = client.ConversationId },
            Bot = new Microsoft.Bot.Schema.ChannelAccount { Id = "safetybot" },
            User = new Microsoft.Bot.Schema.ChannelAccount { Id = "dl_user" },
        };

        await adapter.ContinueConversationAsync("safetybot", reference, async (turn, ct) =>
        {
            await Task.Delay(20, ct);
            await turn.SendActivityAsync("A message from the hotline.", cancellationToken: ct);
        }, CancellationToken.None);
        var message = await client.NextBotMessageAsync();

        Assert.Equal("A message from the hotline.", DirectLineTestClient.TextOf(message));
    }

    [Fact]
    public async Task Logs_HoldNoMessageTextNoTokens()
    {
        await using var client = await DirectLineTestClient.StartAsync(_host.BaseUrl, "en", openStream: false);

        await client.SayAsync("my name is Alex and he said keep it secret");
        await client.SayAsync("exit");

        Assert.DoesNotContain("Alex", _host.Logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain("keep it secret", _host.Logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain(client.Token, _host.Logs.All, StringComparison.Ordinal);
    }

    private async Task<(HttpStatusCode, JsonObject?)> PostBytesAsync(string path, string token, byte[] bytes)
    {
        var request = Request(HttpMethod.Post, path, token);
        request.Content = new ByteArrayContent(bytes);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _host.Client.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync()) as JsonObject);
    }

    private static string Pad(string base64Url)
    {
        var s = base64Url.Replace('-', '+').Replace('_', '/');
        return s + new string('=', (4 - (s.Length % 4)) % 4);
    }
}
