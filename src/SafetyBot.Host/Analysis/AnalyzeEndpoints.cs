using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using SafetyBot.Channels.WebChat.DirectLine;
using SafetyBot.Core.Analysis;

namespace SafetyBot.Host.Analysis;

public sealed class AnalyzeApiOptions
{
    public const string SectionName = "Analysis";

    /// <summary>Requests to <c>POST /api/analyze</c> per client address and minute.</summary>
    public int RequestsPerIpPerMinute { get; set; } = 60;
}

/// <summary>
/// <c>POST /api/analyze</c>: the safety analyser for anyone (no sign-in). It stores nothing and logs nothing of
/// the text; it is rate-limited per address and refuses text over 8 KB with 413.
/// </summary>
public static class AnalyzeEndpoints
{
    public const int MaxTextBytes = 8 * 1024;
    private const int MaxBodyBytes = (MaxTextBytes * 6) + 1024; // JSON escapes can grow the text up to six times
    private const string RateLimitPolicy = "analyze";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IServiceCollection AddAnalyzeApi(this IServiceCollection services)
    {
        services.AddOptions<AnalyzeApiOptions>().BindConfiguration(AnalyzeApiOptions.SectionName)
            .Validate(o => o.RequestsPerIpPerMinute > 0, "Analysis:RequestsPerIpPerMinute must be positive.")
            .ValidateOnStart();
        services.AddRateLimiter(limiter => limiter.AddPolicy(RateLimitPolicy, context =>
        {
            var perMinute = context.RequestServices.GetRequiredService<IOptions<AnalyzeApiOptions>>().Value.RequestsPerIpPerMinute;
            return RateLimitPartition.GetFixedWindowLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
        }));
        return services;
    }

    public static IEndpointRouteBuilder MapAnalyzeApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/analyze", HandleAsync).RequireRateLimiting(RateLimitPolicy).DisableAntiforgery();
        return endpoints;
    }

    private static async Task<IResult> HandleAsync(HttpContext context, SafetyAnalyzer analyzer)
    {
        context.Response.Headers.CacheControl = "no-store";
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return TooLarge();
        }

        var body = await ReadBodyAsync(context.Request.Body, context.RequestAborted).ConfigureAwait(false);
        if (body is null)
        {
            return TooLarge();
        }

        AnalyzeRequest request;
        try
        {
            request = Parse(body);
        }
        catch (RequestException ex)
        {
            return Error(StatusCodes.Status400BadRequest, "BadRequest", ex.Message);
        }

        if (Encoding.UTF8.GetByteCount(request.Text) > MaxTextBytes)
        {
            return TooLarge();
        }

        var result = analyzer.Analyze(request.Text, request.Locale, request.Role);
        return Results.Json(result, Json);
    }

    private static IResult TooLarge() =>
        Error(StatusCodes.Status413PayloadTooLarge, "TextTooLong", $"The text may be at most {MaxTextBytes / 1024} KB (UTF-8). Send one message at a time.");

    // The same error shape as the rest of the public API (and as its 429 from the shared rate limiter).
    internal static IResult Error(int status, string code, string message) => DirectLineErrors.Error(status, code, message);

    private static async Task<byte[]?> ReadBodyAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            using var copy = new MemoryStream();
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (copy.Length + read > MaxBodyBytes)
                {
                    return null;
                }

                copy.Write(buffer, 0, read);
            }

            return copy.ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private const string Shape = "The body must be JSON: {\"text\": \"…\", \"locale\": \"en\" (optional), \"role\": \"received\" or \"user\" (optional)}.";

    internal static AnalyzeRequest Parse(ReadOnlyMemory<byte> body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            throw new RequestException(Shape);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
            {
                throw new RequestException(Shape);
            }

            string? locale = null;
            if (root.TryGetProperty("locale", out var l) && l.ValueKind != JsonValueKind.Null)
            {
                locale = l.ValueKind == JsonValueKind.String ? l.GetString() : null;
                if (locale is null || !IsLocale(locale))
                {
                    throw new RequestException("\"locale\" must be a language tag such as \"en\" or \"uk-UA\".");
                }
            }

            var role = MessageRole.Unknown;
            if (root.TryGetProperty("role", out var r) && r.ValueKind != JsonValueKind.Null)
            {
                role = (r.ValueKind == JsonValueKind.String ? r.GetString() : null) switch
                {
                    "received" => MessageRole.Received,
                    "user" => MessageRole.User,
                    _ => throw new RequestException("\"role\" must be \"received\" (a message the person got) or \"user\" (what the person writes)."),
                };
            }

            string value;
            try
            {
                value = text.GetString()!;
            }
            catch (InvalidOperationException)
            {
                throw new RequestException("\"text\" is not valid Unicode (a broken \\u escape).");
            }

            return new AnalyzeRequest(value, locale, role);
        }
    }

    private static bool IsLocale(string locale)
    {
        if (locale.Length is < 2 or > 35)
        {
            return false;
        }

        var parts = locale.Split('-', '_');
        return parts[0].Length is 2 or 3 && parts[0].All(char.IsAsciiLetter)
            && parts.Skip(1).All(p => p.Length is >= 1 and <= 8 && p.All(char.IsAsciiLetterOrDigit));
    }

    internal sealed record AnalyzeRequest(string Text, string? Locale, MessageRole Role);

    internal sealed class RequestException(string message) : Exception(message);
}
