using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace SafetyBot.Testing;

/// <summary>A plain Direct Line 3.0 client over real HTTP and a real WebSocket, as a browser would use it.</summary>
public sealed class DirectLineTestClient : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly Channel<JsonObject> _received = Channel.CreateUnbounded<JsonObject>();
    private readonly List<JsonObject> _all = [];
    private ClientWebSocket? _socket;
    private Task? _reader;

    private DirectLineTestClient(HttpClient http, string conversationId, string token)
    {
        _http = http;
        ConversationId = conversationId;
        Token = token;
    }

    public string ConversationId { get; }

    public string Token { get; private set; }

    public string? StreamUrl { get; private set; }

    public string? LastWatermark { get; private set; }

    public IReadOnlyList<JsonObject> All
    {
        get
        {
            lock (_all)
            {
                return [.. _all];
            }
        }
    }

    /// <summary>Gets a widget token, starts the conversation and (optionally) opens the stream.</summary>
    public static async Task<DirectLineTestClient> StartAsync(Uri baseUrl, string? locale = null, bool openStream = true)
    {
        var http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) };
        var tokenResponse = await http.PostAsJsonAsync("api/webchat/token", new { locale });
        tokenResponse.EnsureSuccessStatusCode();
        var token = (await tokenResponse.Content.ReadFromJsonAsync<JsonObject>())!;
        var client = new DirectLineTestClient(http, (string)token["conversationId"]!, (string)token["token"]!);
        var start = await client.SendAsync(HttpMethod.Post, "v3/directline/conversations", null);
        start.EnsureSuccessStatusCode();
        var conversation = (await start.Content.ReadFromJsonAsync<JsonObject>())!;
        client.StreamUrl = (string)conversation["streamUrl"]!;
        if (openStream)
        {
            await client.OpenStreamAsync(client.StreamUrl);
        }

        return client;
    }

    /// <summary>Attaches to an existing conversation (e.g. through another host) with its token.</summary>
    public static DirectLineTestClient Attach(Uri baseUrl, string conversationId, string token) =>
        new(new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) }, conversationId, token);

    public async Task OpenStreamAsync(string streamUrl)
    {
        _socket = new ClientWebSocket();
        await _socket.ConnectAsync(new Uri(streamUrl), CancellationToken.None);
        _reader = ReadAsync(_socket);
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body, string? token = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? Token);
        if (body is not null)
        {
            request.Content = body is string raw
                ? new StringContent(raw, Encoding.UTF8, "application/json")
                : JsonContent.Create(body);
        }

        return _http.SendAsync(request);
    }

    /// <summary>Posts a message the way Web Chat does; returns the id the server gave it.</summary>
    public async Task<string> SayAsync(string? text, object? value = null, string? clientActivityId = null)
    {
        var response = await SendAsync(HttpMethod.Post, $"v3/directline/conversations/{ConversationId}/activities", new
        {
            type = "message",
            text,
            value,
            from = new { id = "ignored", role = "user" },
            channelData = new { clientActivityID = clientActivityId ?? Guid.NewGuid().ToString("N") },
        });
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"POST activities answered {(int)response.StatusCode}: {body}");
        }

        return (string)JsonNode.Parse(body)!["id"]!;
    }

    /// <summary>Waits for the next bot message on the stream that matches.</summary>
    public async Task<JsonObject> NextBotMessageAsync(Func<JsonObject, bool>? match = null, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var activity = await _received.Reader.ReadAsync(cts.Token);
            if ((string?)activity["from"]?["role"] == "bot" && (string?)activity["type"] == "message" && (match?.Invoke(activity) ?? true))
            {
                return activity;
            }
        }
    }

    public async Task<JsonObject> GetActivitiesAsync(string? watermark = null)
    {
        var response = await SendAsync(HttpMethod.Get, $"v3/directline/conversations/{ConversationId}/activities" + (watermark is null ? string.Empty : "?watermark=" + watermark), null);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET activities answered {(int)response.StatusCode}: {body}");
        }

        return JsonNode.Parse(body)!.AsObject();
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket is { State: WebSocketState.Open })
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
            catch (Exception)
            {
            }
        }

        _socket?.Dispose();
        if (_reader is not null)
        {
            try
            {
                await _reader;
            }
            catch (Exception)
            {
            }
        }

        _http.Dispose();
    }

    private async Task ReadAsync(ClientWebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (socket.State == WebSocketState.Open)
        {
            var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                break;
            }

            message.Write(buffer, 0, result.Count);
            if (!result.EndOfMessage)
            {
                continue;
            }

            var text = Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
            message.SetLength(0);
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var set = JsonNode.Parse(text)!.AsObject();
            if (set["watermark"] is JsonNode watermark)
            {
                LastWatermark = (string?)watermark;
            }

            foreach (var activity in set["activities"]!.AsArray())
            {
                var obj = activity!.AsObject();
                lock (_all)
                {
                    _all.Add(obj);
                }

                await _received.Writer.WriteAsync(obj);
            }
        }
    }

    public static string TextOf(JsonObject activity) => (string?)activity["text"] ?? string.Empty;

    public static IReadOnlyList<string> ButtonsOf(JsonObject activity) =>
        activity["suggestedActions"]?["actions"]?.AsArray().Select(a => (string)a!["title"]!).ToList() ?? [];

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);
}
