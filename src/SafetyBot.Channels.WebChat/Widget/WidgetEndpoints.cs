using System.Collections.Frozen;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SafetyBot.Channels.WebChat.DirectLine;
using SafetyBot.Core;
using SafetyBot.Core.Localization;

namespace SafetyBot.Channels.WebChat.Widget;

public sealed class WidgetOptions
{
    public const string SectionName = "WebChat";

    /// <summary>Where quick exit sends the browser (replacing the page, so Back does not return).</summary>
    public string QuickExitUrl { get; set; } = "https://www.google.com/search?q=weather";

    /// <summary>Serve the widget files from this folder instead of the built-in copy (for editing the widget live).</summary>
    public string? AssetsPath { get; set; }

    /// <summary>Serve the demo page at <c>/</c>.</summary>
    public bool DemoPage { get; set; } = true;
}

/// <summary>
/// The embeddable widget: <c>/embed.js</c> adds a help button that opens <c>/chat</c> in an iframe; the chat
/// page talks Direct Line to this host with a token from the public, rate-limited token endpoint.
/// </summary>
public static class WidgetEndpoints
{
    private const string WidgetKeyPrefix = "widget.";
    private static readonly Assembly Assembly = typeof(WidgetEndpoints).Assembly;

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".html"] = "text/html; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static SafetyBotBuilder AddWebChatWidget(this SafetyBotBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<WidgetOptions>().BindConfiguration(WidgetOptions.SectionName)
            .Validate(o => Uri.TryCreate(o.QuickExitUrl, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttps || u.Scheme == Uri.UriSchemeHttp),
                "WebChat:QuickExitUrl must be an absolute http(s) URL.")
            .ValidateOnStart();
        return builder;
    }

    public static IEndpointRouteBuilder MapWebChatWidget(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);

        endpoints.MapPost("/api/webchat/token", (DirectLineService directLine, WidgetTokenRequest? request) =>
                Results.Json(directLine.IssueToken(null, request?.Locale)))
            .RequireCors(DirectLineEndpoints.CorsPolicy)
            .RequireRateLimiting(DirectLineEndpoints.TokenRateLimit);

        endpoints.MapGet("/api/webchat/ui", (HttpContext context, string? locale, TextCatalog catalog, IOptions<WidgetOptions> options) =>
        {
            var language = catalog.Match(locale) ?? catalog.Match(context.Request.Headers.AcceptLanguage.ToString()) ?? TextCatalog.DefaultLanguage;
            var info = catalog.ByCode[language];
            var texts = catalog.Keys.Where(k => k.StartsWith(WidgetKeyPrefix, StringComparison.Ordinal))
                .ToDictionary(k => k[WidgetKeyPrefix.Length..],
                    k => catalog.Format(language, k, ("emergency", info.EmergencyNumber)), StringComparer.Ordinal);
            context.Response.Headers.CacheControl = "no-store";
            return Results.Json(new WidgetUi(language, info.Direction, info.NativeName, options.Value.QuickExitUrl, texts,
                [.. catalog.Languages.Select(l => new WidgetLanguage(l.Code, l.NativeName, l.Direction))]));
        }).RequireCors(DirectLineEndpoints.CorsPolicy);

        endpoints.MapGet("/embed.js", (HttpContext context, IOptions<WidgetOptions> options) => Serve(context, options.Value, "embed.js", cache: true));
        endpoints.MapGet("/chat", (HttpContext context, IOptions<WidgetOptions> options) => Serve(context, options.Value, "chat.html", cache: false));
        endpoints.MapGet("/widget/{file}", (HttpContext context, string file, IOptions<WidgetOptions> options) => Serve(context, options.Value, file, cache: true));
        endpoints.MapGet("/", (HttpContext context, IOptions<WidgetOptions> options) =>
            options.Value.DemoPage ? Serve(context, options.Value, "index.html", cache: false) : Results.NotFound());
        return endpoints;
    }

    private static IResult Serve(HttpContext context, WidgetOptions options, string file, bool cache)
    {
        var extension = Path.GetExtension(file);
        if (file.Contains('/', StringComparison.Ordinal) || file.Contains('\\', StringComparison.Ordinal) || !ContentTypes.TryGetValue(extension, out var contentType))
        {
            return Results.NotFound();
        }

        var stream = string.IsNullOrEmpty(options.AssetsPath)
            ? Assembly.GetManifestResourceStream("widget/" + file)
            : File.Exists(Path.Combine(options.AssetsPath, file)) ? File.OpenRead(Path.Combine(options.AssetsPath, file)) : null;
        if (stream is null)
        {
            return Results.NotFound();
        }

        var headers = context.Response.Headers;
        headers.CacheControl = cache ? "public, max-age=300" : "no-store";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        if (extension == ".html")
        {
            // The chat page must be embeddable by any help centre, and may talk only to this host.
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), display-capture=()";
            headers.ContentSecurityPolicy = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; script-src 'self'; base-uri 'none'; form-action 'none'";
        }

        return Results.Stream(stream, contentType);
    }
}

public sealed record WidgetTokenRequest(string? Locale);

public sealed record WidgetLanguage(string Code, string Name, string Direction);

public sealed record WidgetUi(string Language, string Direction, string LanguageName, string QuickExitUrl, IReadOnlyDictionary<string, string> Texts, IReadOnlyList<WidgetLanguage> Languages);
