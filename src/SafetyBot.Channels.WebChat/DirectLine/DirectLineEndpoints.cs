using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SafetyBot.Core;
using SafetyBot.Core.Conversations;
using SafetyBot.Core.Streams;

namespace SafetyBot.Channels.WebChat.DirectLine;

/// <summary>Erases a web chat conversation's activity stream (quick exit); the closing line already went out on it.</summary>
public sealed class DirectLineConversationEraser(IActivityStreamStore store) : IChannelConversationEraser
{
    public string ChannelId => DirectLineJson.ChannelId;

    public Task EraseAsync(Microsoft.Bot.Builder.ITurnContext turnContext, CancellationToken cancellationToken) =>
        store.DeleteAsync(turnContext.Activity.Conversation.Id, cancellationToken);
}

public static class DirectLineEndpoints
{
    public const string CorsPolicy = "directline";
    public const string TokenRateLimit = "webchat-token";
    public const string ActivityRateLimit = "directline-activities";

    /// <summary>Registers the web chat channel: adapter, tokens, CORS for Web Chat and the rate limits.</summary>
    public static SafetyBotBuilder AddWebChatChannel(this SafetyBotBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<DirectLineOptions>().BindConfiguration(DirectLineOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => string.IsNullOrWhiteSpace(o.TokenSigningKey) || IsSigningKey(o.TokenSigningKey),
                "DirectLine:TokenSigningKey must be base64 of at least 32 random bytes.")
            .Validate(o => string.IsNullOrEmpty(o.PublicBaseUrl) || Uri.IsWellFormedUriString(o.PublicBaseUrl, UriKind.Absolute),
                "DirectLine:PublicBaseUrl must be an absolute URL.")
            .ValidateOnStart();
        services.AddSingleton<DirectLineTokens>();
        services.AddSingleton<DirectLineHub>();
        services.AddSingleton<DirectLineAdapter>();
        services.AddSingleton(new SafetyBot.Core.Handoff.ChannelRegistration(DirectLineJson.ChannelId, typeof(DirectLineAdapter)));
        services.AddSingleton<DirectLineService>();
        services.AddSingleton<IChannelConversationEraser, DirectLineConversationEraser>();

        services.AddCors(cors => cors.AddPolicy(CorsPolicy, policy =>
        {
            policy.WithHeaders("Authorization", "Content-Type", "Accept", "x-ms-bot-agent", "x-requested-with")
                .WithMethods("GET", "POST", "OPTIONS")
                .WithExposedHeaders("Retry-After")
                .SetPreflightMaxAge(TimeSpan.FromHours(1));
            policy.SetIsOriginAllowed(_ => true);
        }));
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>()
            .Configure<IOptions<DirectLineOptions>>((cors, dl) =>
            {
                if (dl.Value.AllowedOrigins.Length > 0)
                {
                    var allowed = dl.Value.AllowedOrigins.ToHashSet(StringComparer.OrdinalIgnoreCase);
                    cors.GetPolicy(CorsPolicy)!.IsOriginAllowed = allowed.Contains;
                }
            });

        services.AddRateLimiter(limiter =>
        {
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(10);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await DirectLineErrors.Error(StatusCodes.Status429TooManyRequests, "TooManyRequests",
                    $"Too many requests; retry after {seconds} seconds.").ExecuteAsync(context.HttpContext).ConfigureAwait(false);
            };
            limiter.AddPolicy(TokenRateLimit, context =>
            {
                var perMinute = context.RequestServices.GetRequiredService<IOptions<DirectLineOptions>>().Value.TokensPerIpPerMinute;
                return RateLimitPartition.GetFixedWindowLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
            });
            limiter.AddPolicy(ActivityRateLimit, context =>
            {
                var per10s = context.RequestServices.GetRequiredService<IOptions<DirectLineOptions>>().Value.ActivitiesPerConversationPer10Seconds;
                var conversation = context.Request.RouteValues["conversationId"] as string ?? "unknown";
                return RateLimitPartition.GetFixedWindowLimiter(conversation,
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = per10s, Window = TimeSpan.FromSeconds(10), QueueLimit = 0 });
            });
        });
        return builder;
    }

    /// <summary>Maps the Direct Line 3.0 API under <c>/v3/directline</c>.</summary>
    public static RouteGroupBuilder MapDirectLineEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/v3/directline").RequireCors(CorsPolicy);

        group.MapPost("/tokens/generate", (HttpContext context, DirectLineService directLine, [FromBody] TokenRequest? request) =>
        {
            if (directLine.Authenticate(context, null, out var caller) is { } error)
            {
                return error;
            }

            return caller.IsSecret
                ? Results.Json(directLine.IssueToken(request?.User?.Id, request?.Locale))
                : DirectLineErrors.Error(StatusCodes.Status403Forbidden, "Forbidden", "tokens/generate needs the Direct Line secret.");
        });

        group.MapPost("/tokens/refresh", (HttpContext context, DirectLineService directLine) =>
            directLine.Authenticate(context, null, out var caller) is { } error ? error
            : caller.Claims is null ? DirectLineErrors.BadArgument("tokens/refresh needs a token, not the secret.")
            : Results.Json(directLine.Refresh(caller.Claims)));

        group.MapPost("/conversations", async (HttpContext context, DirectLineService directLine, CancellationToken cancellationToken) =>
            directLine.Authenticate(context, null, out var caller) is { } error ? error
            : await directLine.StartConversationAsync(context, caller, cancellationToken).ConfigureAwait(false));

        group.MapGet("/conversations/{conversationId}", async (HttpContext context, string conversationId, string? watermark, DirectLineService directLine, CancellationToken cancellationToken) =>
            directLine.Authenticate(context, conversationId, out var caller) is { } error ? error
            : await directLine.ReconnectAsync(context, conversationId, caller, watermark, cancellationToken).ConfigureAwait(false));

        group.MapGet("/conversations/{conversationId}/activities", async (HttpContext context, string conversationId, string? watermark, DirectLineService directLine, CancellationToken cancellationToken) =>
            directLine.Authenticate(context, conversationId, out _) is { } error ? error
            : await directLine.GetActivitiesAsync(conversationId, watermark, cancellationToken).ConfigureAwait(false));

        group.MapPost("/conversations/{conversationId}/activities", async (HttpContext context, string conversationId, DirectLineService directLine, CancellationToken cancellationToken) =>
            directLine.Authenticate(context, conversationId, out var caller) is { } error ? error
            : await directLine.PostActivityAsync(context, conversationId, caller, cancellationToken).ConfigureAwait(false))
            .RequireRateLimiting(ActivityRateLimit);

        group.MapPost("/conversations/{conversationId}/upload", async (HttpContext context, string conversationId, DirectLineService directLine, CancellationToken cancellationToken) =>
            directLine.Authenticate(context, conversationId, out var caller) is { } error ? error
            : await directLine.UploadAsync(context, conversationId, caller, cancellationToken).ConfigureAwait(false))
            .RequireRateLimiting(ActivityRateLimit);

        group.Map("/conversations/{conversationId}/stream", async (HttpContext context, string conversationId, string? t, string? watermark, DirectLineService directLine, IActivityStreamStore store, Microsoft.Extensions.Hosting.IHostApplicationLifetime lifetime) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                await DirectLineErrors.BadArgument("This address takes a WebSocket connection.").ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            if (directLine.Authenticate(context, conversationId, out _, tokenOverride: t ?? string.Empty) is { } error)
            {
                await error.ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            if (!DirectLineService.TryParseWatermark(watermark, out var from))
            {
                await DirectLineErrors.BadArgument("The watermark is not valid.").ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            if (!await store.ExistsAsync(conversationId, context.RequestAborted).ConfigureAwait(false))
            {
                await DirectLineErrors.NotFound().ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            // Streams end when the host stops, so shutdown is not held up by idle connections.
            using var ends = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
            await directLine.StreamAsync(context, conversationId, from, ends.Token).ConfigureAwait(false);
        });

        return group;
    }

    private static bool IsSigningKey(string base64)
    {
        try
        {
            return Convert.FromBase64String(base64).Length >= 32;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

public sealed record TokenRequest(TokenUser? User, string? Locale);

public sealed record TokenUser(string? Id);
