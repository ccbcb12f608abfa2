using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace SafetyBot.Telegram.Emulator;

/// <summary>
/// The Telegram Bot API on a loopback Kestrel port, for tests and benchmarks that run the real
/// Telegram.Bot client: pass <see cref="BaseUrl"/> as the client's base URL (the client appends
/// <c>/bot{token}/{method}</c>). Simulated users post updates; the bot's calls are recorded and
/// can be inspected, failed or slowed. Thread-safe; per-chat state lives in concurrent
/// dictionaries so parallel chats do not contend.
/// </summary>
public sealed partial class TelegramBotApiEmulator : IAsyncDisposable
{
    public const string DefaultToken = "123456:TEST-token";

    internal static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly TelegramBotApiEmulatorOptions _options;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ConcurrentQueue<RecordedCall> _calls = new();
    private readonly ConcurrentQueue<Exception> _unexpectedErrors = new();
    private readonly ChangeSignal _changed = new();
    private readonly ConcurrentDictionary<string, TimeSpan> _delays = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Queue<InjectedFault>> _faults = new(StringComparer.OrdinalIgnoreCase);
    private WebApplication? _app;
    private volatile RateLimiter? _limiter;
    private int _disposed;

    private TelegramBotApiEmulator(string token, long botId, TelegramBotApiEmulatorOptions options)
    {
        Token = token;
        BotId = botId;
        _options = options;
        Clock = options.Clock ?? new EmulatorClock();
        _webhookHttp = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            MaxConnectionsPerServer = 100,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>What to pass as Telegram.Bot's <c>baseUrl</c>, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseUrl { get; private set; } = string.Empty;

    /// <summary>The bot token the emulator accepts; any other gets 401.</summary>
    public string Token { get; }

    /// <summary>The bot's user id: the number before the colon in the token.</summary>
    public long BotId { get; }

    /// <summary>The emulator's clock (message dates, the 48-hour delete window, rate windows).</summary>
    public TimeProvider Clock { get; }

    private DateTimeOffset Now => Clock.GetUtcNow();

    /// <summary>Starts an emulator on 127.0.0.1 with a free port.</summary>
    public static async Task<TelegramBotApiEmulator> StartAsync(
        string token = DefaultToken,
        TelegramBotApiEmulatorOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        var colon = token.IndexOf(':', StringComparison.Ordinal);
        if (colon < 1 || !long.TryParse(token.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var botId))
        {
            throw new ArgumentException("A bot token looks like '123456:secret'.", nameof(token));
        }

        options ??= new TelegramBotApiEmulatorOptions();
        var emulator = new TelegramBotApiEmulator(token, botId, options);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.AddServerHeader = false;
        });
        options.ConfigureLogging?.Invoke(builder.Logging);
        var app = builder.Build();
        app.Run(emulator.HandleAsync);
        emulator._app = app;
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await emulator.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        emulator.BaseUrl = address.TrimEnd('/');
        return emulator;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _shutdown.CancelAsync();
        if (_updates.Detach() is { } dispatcher)
        {
            await dispatcher.StopAsync();
        }

        if (_app is not null)
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _app.StopAsync(stopping.Token);
            }
            catch (OperationCanceledException)
            {
                // Requests still open after five seconds are cut off; a test emulator must not hang disposal.
            }

            await _app.DisposeAsync();
        }

        _webhookHttp.Dispose();
        _webhookGate.Dispose();
        _shutdown.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var time = Now;
        var aborted = context.RequestAborted;
        var method = string.Empty;
        var parameters = new JsonObject();
        int status;
        string? description = null;
        ArrayBufferWriter<byte> body;
        try
        {
            var path = context.Request.Path.Value ?? string.Empty;
            if (path.StartsWith("/file/bot", StringComparison.Ordinal))
            {
                await ServeFileAsync(context, path, time);
                return;
            }

            if (!TryParseMethodPath(path, "/bot", out var token, out method))
            {
                throw new ApiError(404, "Not Found");
            }

            if (!string.Equals(token, Token, StringComparison.Ordinal))
            {
                throw new ApiError(401, "Unauthorized");
            }

            if (!Handlers.TryGetValue(method, out var entry))
            {
                throw new ApiError(404, "Not Found");
            }

            method = entry.Name;
            parameters = await ReadParametersAsync(context.Request, aborted);
            if (_delays.TryGetValue(method, out var delay))
            {
                using var delaying = CancellationTokenSource.CreateLinkedTokenSource(aborted, _shutdown.Token);
                await Task.Delay(delay, delaying.Token);
            }

            ThrowIfFaultInjected(method);
            var result = await entry.Handler(this, parameters, aborted);
            status = 200;
            body = OkBody(result);
        }
        catch (ApiError error)
        {
            status = error.StatusCode;
            description = error.Description;
            body = ErrorBody(error);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested || _shutdown.IsCancellationRequested)
        {
            Record(method, parameters, time, 499, "Request ended by the client or by disposal");
            return;
        }
        catch (Exception exception)
        {
            _unexpectedErrors.Enqueue(exception);
            status = 500;
            description = "Internal Server Error";
            body = ErrorBody(new ApiError(500, description));
        }

        // Recorded before the answer is written, so a test that awaited the client sees the call.
        Record(method, parameters, time, status, description);
        await WriteAsync(context, status, "application/json", body.WrittenMemory);
    }

    private async Task ServeFileAsync(HttpContext context, string path, DateTimeOffset time)
    {
        // Downloads are recorded as the pseudo-method "downloadFile" so a test can prove none happened.
        var status = 200;
        string? description = null;
        var parameters = new JsonObject();
        if (!TryParseMethodPath(path, "/file/bot", out var token, out var filePath))
        {
            status = 404;
        }
        else if (!string.Equals(token, Token, StringComparison.Ordinal))
        {
            status = 401;
        }
        else
        {
            parameters["file_path"] = filePath;
            if (!_filesByPath.ContainsKey(filePath))
            {
                status = 404;
            }
        }

        if (status != 200)
        {
            description = status == 401 ? "Unauthorized" : "Not Found";
        }

        Record("downloadFile", parameters, time, status, description);
        var content = status == 200 ? PlaceholderFileContent : ErrorBody(new ApiError(status, description!)).WrittenMemory;
        await WriteAsync(context, status, status == 200 ? "application/octet-stream" : "application/json", content);
    }

    private static readonly ReadOnlyMemory<byte> PlaceholderFileContent = "emulated file content"u8.ToArray();

    private async Task WriteAsync(HttpContext context, int status, string contentType, ReadOnlyMemory<byte> content)
    {
        try
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = contentType;
            context.Response.ContentLength = content.Length;
            await context.Response.Body.WriteAsync(content, context.RequestAborted);
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The client went away; there is nobody left to answer.
        }
    }

    /// <summary>Splits <c>{prefix}{token}/{rest}</c>; the Bot API test environment's extra <c>/test</c> segment is ignored.</summary>
    private static bool TryParseMethodPath(string path, string prefix, out string token, out string rest)
    {
        token = rest = string.Empty;
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var slash = path.IndexOf('/', prefix.Length);
        if (slash < 0 || slash == prefix.Length || slash == path.Length - 1)
        {
            return false;
        }

        token = path[prefix.Length..slash];
        rest = path[(slash + 1)..];
        if (prefix == "/bot")
        {
            if (rest.StartsWith("test/", StringComparison.Ordinal))
            {
                rest = rest["test/".Length..];
            }

            return rest.Length > 0 && !rest.Contains('/', StringComparison.Ordinal);
        }

        return true;
    }

    private static readonly HashSet<string> JsonTypedParameters = new(StringComparer.Ordinal)
    {
        "reply_markup", "allowed_updates", "commands", "scope", "message_ids", "entities", "caption_entities",
        "reply_parameters", "link_preview_options", "media",
    };

    private static async Task<JsonObject> ReadParametersAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        JsonObject parameters;
        if (request.HasFormContentType)
        {
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(cancellationToken);
            }
            catch (Exception exception) when (exception is InvalidDataException or IOException or BadHttpRequestException)
            {
                throw ApiError.BadRequest("can't parse request body");
            }

            parameters = [];
            foreach (var (key, values) in form)
            {
                parameters[key] = FieldValue(key, values.ToString());
            }

            foreach (var file in form.Files)
            {
                parameters[file.Name] = new JsonObject { ["file_name"] = file.FileName, ["size"] = file.Length };
            }
        }
        else
        {
            using var buffer = new MemoryStream();
            try
            {
                await request.Body.CopyToAsync(buffer, cancellationToken);
            }
            catch (Exception exception) when (exception is BadHttpRequestException or IOException)
            {
                // A client that gives up mid-body (a cancelled poll loop, a timeout) ends here before RequestAborted fires.
                throw ApiError.BadRequest("can't read request body");
            }
            if (buffer.Length == 0)
            {
                parameters = [];
            }
            else
            {
                try
                {
                    parameters = JsonNode.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)) as JsonObject
                        ?? throw ApiError.BadRequest("can't parse JSON object");
                    Param.Materialize(parameters);
                }
                catch (Exception exception) when (exception is JsonException or ArgumentException or InvalidOperationException)
                {
                    throw ApiError.BadRequest("can't parse JSON object");
                }
            }
        }

        foreach (var (key, values) in request.Query)
        {
            if (!parameters.ContainsKey(key))
            {
                parameters[key] = FieldValue(key, values.ToString());
            }
        }

        return parameters;
    }

    private static JsonNode? FieldValue(string key, string value)
    {
        if (JsonTypedParameters.Contains(key) && value.Length > 0 && value[0] is '{' or '[')
        {
            try
            {
                var node = JsonNode.Parse(value);
                Param.Materialize(node);
                return node;
            }
            catch (Exception exception) when (exception is JsonException or ArgumentException or InvalidOperationException)
            {
                // Left as the string it was; the method reports what it cannot read.
            }
        }

        return JsonValue.Create(value);
    }

    private static ArrayBufferWriter<byte> OkBody(ApiResult result)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using var writer = new Utf8JsonWriter(buffer, WriterOptions);
        writer.WriteStartObject();
        writer.WriteBoolean("ok", true);
        writer.WritePropertyName("result");
        if (result.Raw is not null)
        {
            writer.WriteRawValue(result.Raw, skipInputValidation: true);
        }
        else if (result.Node is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            result.Node.WriteTo(writer);
        }

        writer.WriteEndObject();
        writer.Flush();
        return buffer;
    }

    private static ArrayBufferWriter<byte> ErrorBody(ApiError error)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using var writer = new Utf8JsonWriter(buffer, WriterOptions);
        writer.WriteStartObject();
        writer.WriteBoolean("ok", false);
        writer.WriteNumber("error_code", error.StatusCode);
        writer.WriteString("description", error.Description);
        if (error.RetryAfter is int retryAfter)
        {
            writer.WriteStartObject("parameters");
            writer.WriteNumber("retry_after", retryAfter);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.Flush();
        return buffer;
    }

    private void Record(string method, JsonObject parameters, DateTimeOffset time, int status, string? description)
    {
        if (_options.RecordCalls)
        {
            _calls.Enqueue(new RecordedCall(method, parameters, time, status, description));
        }

        _changed.Pulse();
    }

    /// <summary>A method's answer: a node, or JSON already serialised (updates and messages are kept as JSON text).</summary>
    internal readonly record struct ApiResult(JsonNode? Node, string? Raw)
    {
        public static ApiResult True => new(JsonValue.Create(true), null);

        public static ApiResult FromNode(JsonNode node) => new(node, null);

        public static ApiResult FromRaw(string json) => new(null, json);
    }
}
