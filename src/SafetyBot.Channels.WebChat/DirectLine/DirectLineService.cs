using System.Globalization;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.Bot.Schema;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newtonsoft.Json;
using SafetyBot.Core.Pipeline;
using SafetyBot.Core.Streams;

namespace SafetyBot.Channels.WebChat.DirectLine;

/// <summary>Who called: the holder of the secret, or of a token for one conversation.</summary>
/// <param name="Token">The token presented, when the caller used one (not the secret).</param>
public sealed record DirectLineCaller(bool IsSecret, DirectLineClaims? Claims, string? Token = null);

/// <summary>The Direct Line 3.0 operations behind <see cref="DirectLineEndpoints"/>.</summary>
public sealed partial class DirectLineService(
    DirectLineTokens tokens,
    DirectLineAdapter adapter,
    IActivityStreamStore store,
    DirectLineHub hub,
    IOptions<DirectLineOptions> options,
    TimeProvider clock,
    ILogger<DirectLineService> logger)
{
    private const int MaxActivitiesPerRead = 500;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public DirectLineTokens Tokens => tokens;

    /// <summary>Checks the bearer credential; returns an error result or the caller.</summary>
    public IResult? Authenticate(HttpContext context, string? conversationId, out DirectLineCaller caller, string? tokenOverride = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        caller = new DirectLineCaller(false, null);
        var credential = tokenOverride;
        if (credential is null)
        {
            var header = context.Request.Headers.Authorization.ToString();
            if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return DirectLineErrors.Unauthorized();
            }

            credential = header["Bearer ".Length..].Trim();
        }

        if (IsSecret(credential))
        {
            caller = new DirectLineCaller(true, null);
            return null;
        }

        switch (tokens.Validate(credential, out var claims))
        {
            case TokenStatus.Expired:
                return DirectLineErrors.TokenExpired();
            case TokenStatus.Invalid:
                return DirectLineErrors.TokenInvalid();
        }

        if (conversationId is not null && !string.Equals(claims!.ConversationId, conversationId, StringComparison.Ordinal))
        {
            return DirectLineErrors.Forbidden();
        }

        caller = new DirectLineCaller(false, claims, credential);
        return null;
    }

    public TokenResponse IssueToken(string? userId, string? locale)
    {
        var conversationId = DirectLineTokens.NewConversationId();
        var user = ValidUserId(userId) ?? DirectLineTokens.NewUserId();
        return new TokenResponse(conversationId, tokens.Issue(conversationId, user, ValidLocale(locale)), (int)tokens.Lifetime.TotalSeconds);
    }

    public TokenResponse Refresh(DirectLineClaims claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        return new TokenResponse(claims.ConversationId, tokens.Issue(claims.ConversationId, claims.UserId, claims.Locale), (int)tokens.Lifetime.TotalSeconds);
    }

    /// <summary>Starts (or, for a token whose conversation exists, returns) a conversation and welcomes the person.</summary>
    public async Task<IResult> StartConversationAsync(HttpContext context, DirectLineCaller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(caller);
        var claims = caller.Claims;
        string token;
        if (claims is null)
        {
            var issued = IssueToken(null, null);
            tokens.Validate(issued.Token, out claims);
            token = issued.Token;
        }
        else
        {
            token = caller.Token!;
        }

        bool created;
        try
        {
            created = await store.CreateAsync(claims!.ConversationId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            LogStoreFailure(logger, ex);
            return DirectLineErrors.Unavailable();
        }

        if (created)
        {
            await WelcomeAsync(claims, context).ConfigureAwait(false);
        }

        var body = new ConversationResponse(claims.ConversationId, token, (int)(claims.ExpiresAt - clock.GetUtcNow().ToUnixTimeSeconds()),
            StreamUrl(context, claims.ConversationId, token, null), "SafetyBot");
        return Results.Json(body, statusCode: created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    public async Task<IResult> ReconnectAsync(HttpContext context, string conversationId, DirectLineCaller caller, string? watermark, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(caller);
        var check = await CheckConversationAsync(conversationId, watermark, cancellationToken).ConfigureAwait(false);
        if (check.Error is not null)
        {
            return check.Error;
        }

        var token = caller.Token ?? tokens.Issue(conversationId, DirectLineTokens.NewUserId());
        var tokenClaims = caller.Claims;
        if (tokenClaims is null)
        {
            tokens.Validate(token, out tokenClaims);
        }

        return Results.Json(new ConversationResponse(conversationId, token,
            (int)(tokenClaims!.ExpiresAt - clock.GetUtcNow().ToUnixTimeSeconds()),
            StreamUrl(context, conversationId, token, check.Watermark), "SafetyBot"));
    }

    public async Task<IResult> GetActivitiesAsync(string conversationId, string? watermark, CancellationToken cancellationToken)
    {
        var check = await CheckConversationAsync(conversationId, watermark, cancellationToken).ConfigureAwait(false);
        if (check.Error is not null)
        {
            return check.Error;
        }

        IReadOnlyList<StreamEntry> entries;
        try
        {
            entries = await store.ReadAsync(conversationId, check.Watermark, MaxActivitiesPerRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            LogStoreFailure(logger, ex);
            return DirectLineErrors.Unavailable();
        }

        var last = entries.Count > 0 ? entries[^1].Watermark : check.Watermark;
        return Results.Text(ActivitySet(entries.Select(e => e.Payload), last), "application/json", Encoding.UTF8);
    }

    /// <summary>Stores the person's activity (the echo Web Chat waits for), then runs the bot's turn.</summary>
    public async Task<IResult> PostActivityAsync(HttpContext context, string conversationId, DirectLineCaller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(caller);
        var limit = options.Value.MaxActivityBytes;
        var (json, tooBig) = await ReadBodyAsync(context.Request, limit, cancellationToken).ConfigureAwait(false);
        if (tooBig)
        {
            return DirectLineErrors.TooBig(limit);
        }

        Activity? incoming;
        try
        {
            incoming = DirectLineJson.ParseIncoming(json);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or FormatException or InvalidCastException)
        {
            return DirectLineErrors.BadSyntax("The body is not a valid activity.");
        }

        if (incoming is null)
        {
            return DirectLineErrors.BadSyntax("The body must be one activity (a JSON object).");
        }

        if (incoming.Type is null)
        {
            return DirectLineErrors.BadArgument("The activity needs a type.");
        }

        var userId = caller.Claims?.UserId ?? ValidUserId(incoming.From?.Id) ?? DirectLineTokens.NewUserId();
        var clientLocale = ClientLocale(context, caller.Claims);
        // No separate existence check: the append itself answers "unknown conversation" (one Redis round trip less per turn).
        if (incoming.Type == ActivityTypes.Typing)
        {
            // Typing is delivered to this host's open streams for the echo Web Chat waits for; never stored.
            var typingId = conversationId + "|t" + Guid.NewGuid().ToString("N");
            var typing = DirectLineJson.StoredUserActivity(incoming, conversationId, userId, clock.GetUtcNow());
            typing.Id = typingId;
            hub.DeliverUnstored(conversationId, DirectLineJson.Serialize(typing));

            // The bot hears it too (never stored): a staff member holding the conversation sees "typing…".
            await RunTurnAsync(TurnActivity(typing, typingId, incoming), clientLocale).ConfigureAwait(false);
            return Results.Json(new IdResponse(typingId));
        }

        if (incoming.Type is not (ActivityTypes.Message or ActivityTypes.Event))
        {
            // Other client activities are acknowledged but neither stored nor given to the bot.
            return Results.Json(new IdResponse(conversationId + "|x" + Guid.NewGuid().ToString("N")));
        }

        var stored = DirectLineJson.StoredUserActivity(incoming, conversationId, userId, clock.GetUtcNow());
        StreamEntry entry;
        try
        {
            var appended = await store.AppendAsync(conversationId, DirectLineJson.Serialize(stored), cancellationToken).ConfigureAwait(false);
            if (appended is null)
            {
                return DirectLineErrors.NotFound();
            }

            entry = appended.Value;
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            LogStoreFailure(logger, ex);

            // Nothing was stored, so the client is told to retry; the person still gets the helpline answer.
            await RunTurnAsync(TurnActivity(stored, conversationId + "|u" + Guid.NewGuid().ToString("N"), incoming), clientLocale).ConfigureAwait(false);
            return DirectLineErrors.Unavailable();
        }

        var id = conversationId + "|" + entry.Watermark.ToString("D7", CultureInfo.InvariantCulture);
        await RunTurnAsync(TurnActivity(stored, id, incoming), clientLocale).ConfigureAwait(false);
        return Results.Json(new IdResponse(id));
    }

    /// <summary>Direct Line uploads: SafetyBot never stores files, so the bot says so, kindly, and nothing is kept.</summary>
    public async Task<IResult> UploadAsync(HttpContext context, string conversationId, DirectLineCaller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(caller);
        var check = await CheckConversationAsync(conversationId, null, cancellationToken).ConfigureAwait(false);
        if (check.Error is not null)
        {
            return check.Error;
        }

        // Drain without keeping anything, so the client sees a normal response rather than a reset.
        var buffer = new byte[8192];
        long total = 0;
        while (total < 64L * 1024 * 1024)
        {
            var read = await context.Request.Body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        var userId = caller.Claims?.UserId ?? DirectLineTokens.NewUserId();
        var turnActivity = new Activity
        {
            Type = ActivityTypes.Message,
            Id = conversationId + "|f" + Guid.NewGuid().ToString("N"),
            Timestamp = clock.GetUtcNow(),
            ChannelId = DirectLineJson.ChannelId,
            Conversation = new ConversationAccount { Id = conversationId },
            From = new ChannelAccount { Id = userId, Role = RoleTypes.User },
            Recipient = new ChannelAccount { Id = DirectLineJson.BotId, Name = DirectLineJson.BotName, Role = RoleTypes.Bot },
            Attachments = [new Attachment { ContentType = "application/octet-stream" }],
        };
        await RunTurnAsync(turnActivity, ClientLocale(context, caller.Claims)).ConfigureAwait(false);
        return Results.Json(new IdResponse(turnActivity.Id));
    }

    /// <summary>The WebSocket stream: replays from the watermark, then pushes each new activity as an ActivitySet.</summary>
    public async Task StreamAsync(HttpContext context, string conversationId, long watermark, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        var queue = Channel.CreateBounded<StreamEntry>(new BoundedChannelOptions(64)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        void Enqueue(StreamEntry e) => queue.Writer.TryWrite(e);
        using var fromStore = store.Subscribe(conversationId, Enqueue);
        using var unstored = hub.Join(conversationId, Enqueue);
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var receiving = DiscardIncomingAsync(socket, closed);
        try
        {
            var last = await SendFromStoreAsync(socket, conversationId, watermark, closed.Token).ConfigureAwait(false);
            await foreach (var entry in queue.Reader.ReadAllAsync(closed.Token).ConfigureAwait(false))
            {
                if (entry.Watermark < 0)
                {
                    await SendAsync(socket, ActivitySet([entry.Payload], null), closed.Token).ConfigureAwait(false);
                }
                else if (entry.Watermark == last + 1)
                {
                    await SendAsync(socket, ActivitySet([entry.Payload], entry.Watermark), closed.Token).ConfigureAwait(false);
                    last = entry.Watermark;
                }
                else if (entry.Watermark > last)
                {
                    // A notification was missed or overtaken: the store has the full order.
                    last = await SendFromStoreAsync(socket, conversationId, last, closed.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Client went away or the host is stopping.
        }
        catch (WebSocketException)
        {
            // Connection dropped; the client reconnects with its watermark.
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            LogStoreFailure(logger, ex);
        }
        finally
        {
            await closed.CancelAsync().ConfigureAwait(false);
            await receiving.ConfigureAwait(false);
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
                {
                    // Best effort.
                }
            }
        }
    }

    /// <summary>Parses a watermark: empty or missing means from the start.</summary>
    public static bool TryParseWatermark(string? watermark, out long value)
    {
        value = 0;
        return string.IsNullOrEmpty(watermark)
            || (long.TryParse(watermark, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= 0);
    }

    private async Task<(IResult? Error, long Watermark)> CheckConversationAsync(string conversationId, string? watermark, CancellationToken cancellationToken)
    {
        if (!TryParseWatermark(watermark, out var from))
        {
            return (DirectLineErrors.BadArgument("The watermark is not valid."), 0);
        }

        long? current;
        try
        {
            current = await store.GetWatermarkAsync(conversationId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            LogStoreFailure(logger, ex);
            return (DirectLineErrors.Unavailable(), 0);
        }

        if (current is null)
        {
            return (DirectLineErrors.NotFound(), 0);
        }

        return from > current
            ? (DirectLineErrors.BadArgument("The watermark is ahead of the conversation."), 0)
            : (null, from);
    }

    private async Task WelcomeAsync(DirectLineClaims claims, HttpContext context)
    {
        var user = new ChannelAccount { Id = claims.UserId, Role = RoleTypes.User };
        var activity = new Activity
        {
            Type = ActivityTypes.ConversationUpdate,
            Id = claims.ConversationId + "|start",
            Timestamp = clock.GetUtcNow(),
            ChannelId = DirectLineJson.ChannelId,
            Conversation = new ConversationAccount { Id = claims.ConversationId },
            From = user,
            Recipient = new ChannelAccount { Id = DirectLineJson.BotId, Name = DirectLineJson.BotName, Role = RoleTypes.Bot },
            MembersAdded = [user],
            Locale = claims.Locale,
        };
        await RunTurnAsync(activity, ClientLocale(context, claims)).ConfigureAwait(false);
    }

    // A turn runs to its end even when the client goes away mid-request (e.g. quick exit navigates off the
    // page): what the person said is answered and stored, and an erase is never left half done.
    private Task RunTurnAsync(Activity activity, string? clientLocale) =>
        adapter.ProcessActivityAsync(activity, turn =>
        {
            if (clientLocale is not null)
            {
                turn.TurnState[TurnKeys.ClientLocale] = clientLocale;
            }
        }, CancellationToken.None);

    private static Activity TurnActivity(Activity stored, string id, Activity incoming) => new()
    {
        Type = stored.Type,
        Name = stored.Name,
        Id = id,
        Timestamp = stored.Timestamp,
        ChannelId = stored.ChannelId,
        Conversation = stored.Conversation,
        From = stored.From,
        Recipient = stored.Recipient,
        Text = stored.Text,
        TextFormat = stored.TextFormat,
        Locale = stored.Locale,
        Value = stored.Value,
        ChannelData = stored.ChannelData,

        // The bot only learns that files were sent, never their content or address.
        Attachments = incoming.Attachments is { Count: > 0 } attachments
            ? [.. attachments.Select(_ => new Attachment { ContentType = "application/octet-stream" })]
            : null,
    };

    private async Task<long> SendFromStoreAsync(WebSocket socket, string conversationId, long after, CancellationToken cancellationToken)
    {
        while (true)
        {
            var entries = await store.ReadAsync(conversationId, after, MaxActivitiesPerRead, cancellationToken).ConfigureAwait(false);
            if (entries.Count == 0)
            {
                return after;
            }

            after = entries[^1].Watermark;
            await SendAsync(socket, ActivitySet(entries.Select(e => e.Payload), after), cancellationToken).ConfigureAwait(false);
            if (entries.Count < MaxActivitiesPerRead)
            {
                return after;
            }
        }
    }

    private static async Task SendAsync(WebSocket socket, string frame, CancellationToken cancellationToken) =>
        await socket.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);

    private static async Task DiscardIncomingAsync(WebSocket socket, CancellationTokenSource closed)
    {
        // Clients send empty keep-alive frames; nothing they send on the stream is used.
        var buffer = new byte[256];
        try
        {
            while (!closed.IsCancellationRequested)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), closed.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // Closed.
        }

        await closed.CancelAsync().ConfigureAwait(false);
    }

    private static string ActivitySet(IEnumerable<string> payloads, long? watermark)
    {
        var builder = new StringBuilder("{\"activities\":[");
        var first = true;
        foreach (var payload in payloads)
        {
            if (!first)
            {
                builder.Append(',');
            }

            builder.Append(payload);
            first = false;
        }

        builder.Append(']');
        if (watermark is { } w)
        {
            builder.Append(",\"watermark\":\"").Append(w.ToString(CultureInfo.InvariantCulture)).Append('"');
        }

        return builder.Append('}').ToString();
    }

    private string StreamUrl(HttpContext context, string conversationId, string token, long? watermark)
    {
        var baseUrl = options.Value.PublicBaseUrl is { Length: > 0 } configured
            ? configured.TrimEnd('/')
            : context.Request.Scheme + "://" + context.Request.Host.Value;
        var wsBase = baseUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
            ? "wss://" + baseUrl["https://".Length..]
            : "ws://" + baseUrl[(baseUrl.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var url = $"{wsBase}{context.Request.PathBase}/v3/directline/conversations/{Uri.EscapeDataString(conversationId)}/stream?t={Uri.EscapeDataString(token)}";
        return watermark is { } w ? url + "&watermark=" + w.ToString(CultureInfo.InvariantCulture) : url;
    }

    private static async Task<(string Json, bool TooBig)> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return (string.Empty, true);
        }

        // A pooled buffer grown as needed: most activities are a few hundred bytes.
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > limit)
                {
                    return (string.Empty, true);
                }
            }

            try
            {
                return (StrictUtf8.GetString(buffer, 0, length), false);
            }
            catch (DecoderFallbackException)
            {
                return ("\u0000not utf-8", false);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private bool IsSecret(string credential)
    {
        var secret = options.Value.Secret;
        if (string.IsNullOrEmpty(secret))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(credential)), SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
    }

    private static string? ClientLocale(HttpContext context, DirectLineClaims? claims)
    {
        if (claims?.Locale is { } locale)
        {
            return locale;
        }

        var header = context.Request.Headers.AcceptLanguage.ToString();
        var first = header.Split(',')[0].Split(';')[0].Trim();
        return first.Length is > 0 and <= 35 ? first : null;
    }

    private static string? ValidUserId(string? id) =>
        id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-') ? id : null;

    private static string? ValidLocale(string? locale) =>
        locale is { Length: > 0 and <= 35 } && locale.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? locale : null;

    private static bool IsStoreFailure(Exception ex) =>
        ex is not OperationCanceledException and not ArgumentException and not WebSocketException;

    [LoggerMessage(Level = LogLevel.Error, Message = "The activity store failed")]
    private static partial void LogStoreFailure(ILogger logger, Exception exception);
}

public sealed record TokenResponse(
    [property: System.Text.Json.Serialization.JsonPropertyName("conversationId")] string ConversationId,
    [property: System.Text.Json.Serialization.JsonPropertyName("token")] string Token,
    [property: System.Text.Json.Serialization.JsonPropertyName("expires_in")] int ExpiresIn);

public sealed record ConversationResponse(
    [property: System.Text.Json.Serialization.JsonPropertyName("conversationId")] string ConversationId,
    [property: System.Text.Json.Serialization.JsonPropertyName("token")] string Token,
    [property: System.Text.Json.Serialization.JsonPropertyName("expires_in")] int ExpiresIn,
    [property: System.Text.Json.Serialization.JsonPropertyName("streamUrl")] string StreamUrl,
    [property: System.Text.Json.Serialization.JsonPropertyName("referenceGrammarId")] string ReferenceGrammarId);

public sealed record IdResponse([property: System.Text.Json.Serialization.JsonPropertyName("id")] string Id);
