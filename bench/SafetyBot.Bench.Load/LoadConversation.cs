using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace SafetyBot.Bench.Load;

/// <summary>The driver's HTTP client (pooled, many connections) and the invoker its WebSockets connect through.</summary>
internal sealed class LoadClients : IDisposable
{
    public LoadClients()
    {
        Http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 4096,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        WebSockets = new HttpMessageInvoker(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = int.MaxValue,
            UseProxy = false,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        });
    }

    public HttpClient Http { get; }

    public HttpMessageInvoker WebSockets { get; }

    public void Dispose()
    {
        Http.Dispose();
        WebSockets.Dispose();
    }
}

/// <summary>A failure the driver counts by its message (HTTP status, time-out, dropped stream), never a crash.</summary>
internal sealed class LoadFailure : Exception
{
    public LoadFailure(string message)
        : base(message)
    {
    }

    public LoadFailure(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public LoadFailure()
    {
    }
}

/// <summary>Result of one turn: an error, or the latency to the reply on the socket and to the POST's response.</summary>
internal readonly record struct TurnOutcome(string? Error, long ReplyTicks, long PostTicks)
{
    public static TurnOutcome Failed(string error) => new(error, 0, 0);
}

/// <summary>
/// One conversation as a Direct Line client (or an echo client) drives it: token, conversation, WebSocket,
/// then turns. A turn posts a message and completes when the bot's reply (<c>replyToId</c> = the posted
/// id) arrives on the socket — which may be before the POST's own response.
/// </summary>
internal sealed class LoadConversation : IActivitySink, IAsyncDisposable
{
    public static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan WelcomeTimeout = TimeSpan.FromSeconds(15);
    private static readonly byte[] BodyStart = "{\"type\":\"message\",\"text\":\"Helplines\",\"from\":{\"id\":\"u\"},\"channelData\":{\"clientActivityID\":\""u8.ToArray();
    private static readonly byte[] BodyEnd = "\"}}"u8.ToArray();

    private readonly Target _target;
    private readonly LoadClients _clients;
    private readonly string _clientIdPrefix;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _early = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _welcomed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource<long>? _awaited;
    private string? _awaitedId;
    private int _welcomeMessages;
    private ClientWebSocket? _socket;
    private Task _receiving = Task.CompletedTask;
    private Uri? _postUri;
    private Uri? _streamUri;
    private string? _token;
    private long _sequence;
    private volatile bool _closing;
    private int _badFrames;

    private LoadConversation(int index, Target target, LoadClients clients)
    {
        _target = target;
        _clients = clients;
        _clientIdPrefix = "bench-" + index.ToString(CultureInfo.InvariantCulture) + "-";
        Index = index;
    }

    public int Index { get; }

    public bool IsOpen => _socket?.State == WebSocketState.Open && !_receiving.IsCompleted;

    /// <summary>Frames the driver could not read as JSON.</summary>
    public int BadFrames => Volatile.Read(ref _badFrames);

    /// <summary>Opens the conversation and its stream; for SafetyBot, returns once the welcome (two bot messages) arrived.</summary>
    public static async Task<LoadConversation> OpenAsync(int index, Target target, LoadClients clients, CancellationToken cancellationToken)
    {
        var conversation = new LoadConversation(index, target, clients);
        try
        {
            await conversation.StartAsync(cancellationToken);
            return conversation;
        }
        catch
        {
            await conversation.DisposeAsync();
            throw;
        }
    }

    public async Task<TurnOutcome> TurnAsync(CancellationToken cancellationToken)
    {
        if (!IsOpen)
        {
            // Count the drop and reconnect (the stream replays from the start; old replies are ignored).
            try
            {
                await ConnectAsync(cancellationToken);
            }
            catch (LoadFailure failure)
            {
                return TurnOutcome.Failed("stream reconnect failed: " + failure.Message);
            }

            return TurnOutcome.Failed("WebSocket dropped (reconnected)");
        }

        var clientId = _clientIdPrefix + (++_sequence).ToString(CultureInfo.InvariantCulture);
        var body = Body(clientId);
        var reply = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _early.Clear();
            _awaited = reply;
            _awaitedId = _target.IsDirectLine ? null : clientId;
        }

        var start = Stopwatch.GetTimestamp();
        long posted;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _postUri) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            if (_token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
            }

            using var response = await _clients.Http.SendAsync(request, cancellationToken);
            posted = Stopwatch.GetTimestamp();
            if (!response.IsSuccessStatusCode)
            {
                StopWaiting();
                return TurnOutcome.Failed("HTTP " + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
            }

            if (_target.IsDirectLine)
            {
                var id = ReadId(await response.Content.ReadAsByteArrayAsync(cancellationToken));
                if (id is null)
                {
                    StopWaiting();
                    return TurnOutcome.Failed("POST answer without an id");
                }

                lock (_gate)
                {
                    if (_early.Remove(id, out var receivedAt))
                    {
                        reply.TrySetResult(receivedAt);
                        _awaited = null;
                    }
                    else
                    {
                        _awaitedId = id;
                    }
                }
            }
        }
        catch (HttpRequestException ex)
        {
            StopWaiting();
            return TurnOutcome.Failed("HTTP request failed (" + ex.HttpRequestError + ")");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            StopWaiting();
            return TurnOutcome.Failed("HTTP time-out (30 s)");
        }

        try
        {
            var receivedAt = await reply.Task.WaitAsync(ReplyTimeout, cancellationToken);
            return new TurnOutcome(null, receivedAt - start, posted - start);
        }
        catch (TimeoutException)
        {
            StopWaiting();
            return TurnOutcome.Failed("no reply on the socket within 10 s");
        }
        catch (LoadFailure failure)
        {
            return TurnOutcome.Failed(failure.Message);
        }
    }

    public void OnActivity(in ActivityInfo activity, long receivedAt)
    {
        if (!_target.IsDirectLine)
        {
            if (activity.ClientActivityId is { } echoed)
            {
                Complete(echoed, receivedAt);
            }

            return;
        }

        // The server echoes the person's own message first (Web Chat's "sent" mark); only the bot's reply counts.
        if (!activity.FromBot || !activity.IsMessage)
        {
            return;
        }

        if (!_welcomed.Task.IsCompleted)
        {
            if (++_welcomeMessages >= 2)
            {
                _welcomed.TrySetResult();
            }

            return;
        }

        if (activity.ReplyToId is { } replyTo)
        {
            Complete(replyTo, receivedAt);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _closing = true;
        var socket = _socket;
        if (socket is null)
        {
            return;
        }

        if (socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
                await _receiving.WaitAsync(timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The server is being stopped as well; close is best effort.
            }
        }

        socket.Dispose();
    }

    private static byte[] Body(string clientId)
    {
        var body = new byte[BodyStart.Length + clientId.Length + BodyEnd.Length];
        BodyStart.CopyTo(body, 0);
        Encoding.ASCII.GetBytes(clientId, body.AsSpan(BodyStart.Length));
        BodyEnd.CopyTo(body, BodyStart.Length + clientId.Length);
        return body;
    }

    private static string? ReadId(byte[] json)
    {
        var reader = new Utf8JsonReader(json);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
            }
        }
        catch (JsonException)
        {
            // Counted as an answer without an id.
        }

        return null;
    }

    private static async Task<JsonElement> PostJsonAsync(HttpClient http, Uri uri, string bearer, string? json, string what, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new LoadFailure(what + ": HTTP " + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
            }

            using var document = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken));
            return document.RootElement.Clone();
        }
        catch (HttpRequestException ex)
        {
            throw new LoadFailure(what + ": request failed (" + ex.HttpRequestError + ")", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new LoadFailure(what + ": time-out", ex);
        }
        catch (JsonException ex)
        {
            throw new LoadFailure(what + ": answer is not JSON", ex);
        }
    }

    private static string Property(JsonElement element, string name, string what) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw new LoadFailure(what + ": answer has no " + name);

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_target.IsDirectLine)
        {
            var issued = await PostJsonAsync(_clients.Http, new Uri(_target.BaseUri, "v3/directline/tokens/generate"), _target.Secret!, "{}",
                "tokens/generate", cancellationToken);
            var started = await PostJsonAsync(_clients.Http, new Uri(_target.BaseUri, "v3/directline/conversations"),
                Property(issued, "token", "tokens/generate"), null, "conversations", cancellationToken);
            var conversationId = Property(started, "conversationId", "conversations");
            _token = Property(started, "token", "conversations");
            _streamUri = new Uri(Property(started, "streamUrl", "conversations"));
            _postUri = new Uri(_target.BaseUri, "v3/directline/conversations/" + Uri.EscapeDataString(conversationId) + "/activities");
        }
        else
        {
            var id = "c" + Index.ToString(CultureInfo.InvariantCulture);
            _postUri = new Uri(_target.BaseUri, "echo/" + id);
            _streamUri = new Uri("ws://" + _target.BaseUri.Authority + "/echo/" + id + "/stream");
        }

        await ConnectAsync(cancellationToken);
        if (_target.IsDirectLine)
        {
            try
            {
                await _welcomed.Task.WaitAsync(WelcomeTimeout, cancellationToken);
            }
            catch (TimeoutException ex)
            {
                throw new LoadFailure("welcome (two bot messages) not received within 15 s", ex);
            }
        }
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var previous = _socket;
        _socket = null;
        previous?.Dispose();
        var socket = new ClientWebSocket();

        // The server pings every 30 s; the client answers while its receive is pending and needs no pings of its own.
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        try
        {
            await socket.ConnectAsync(_streamUri!, _clients.WebSockets, cancellationToken);
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException)
        {
            socket.Dispose();
            throw new LoadFailure("WebSocket connect failed (" + ex.Message + ")", ex);
        }

        lock (_gate)
        {
            _socket = socket;
        }

        _receiving = ReceiveAsync(socket);
    }

    private async Task ReceiveAsync(ClientWebSocket socket)
    {
        var buffer = new byte[4096];
        var count = 0;
        try
        {
            while (true)
            {
                if (count == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                var received = await socket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                count += received.Count;
                if (!received.EndOfMessage)
                {
                    continue;
                }

                var receivedAt = Stopwatch.GetTimestamp();
                try
                {
                    FrameScanner.Scan(buffer.AsSpan(0, count), this, receivedAt);
                }
                catch (JsonException)
                {
                    Interlocked.Increment(ref _badFrames);
                }

                count = 0;
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Closed or aborted.
        }

        lock (_gate)
        {
            // Only the current socket's end fails the turn in flight (not one replaced by a reconnect).
            if (!_closing && ReferenceEquals(socket, _socket) && _awaited is not null)
            {
                _awaited.TrySetException(new LoadFailure("WebSocket closed before the reply"));
                _awaited = null;
            }
        }
    }

    private void Complete(string id, long receivedAt)
    {
        lock (_gate)
        {
            if (_awaited is null)
            {
                return;
            }

            if (_awaitedId is null)
            {
                // The reply overtook the POST's response; keep it until the response names the id.
                _early[id] = receivedAt;
                return;
            }

            if (string.Equals(_awaitedId, id, StringComparison.Ordinal))
            {
                _awaited.TrySetResult(receivedAt);
                _awaited = null;
                _awaitedId = null;
            }
        }
    }

    private void StopWaiting()
    {
        lock (_gate)
        {
            _awaited = null;
            _awaitedId = null;
            _early.Clear();
        }
    }
}
