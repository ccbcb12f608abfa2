using System.Collections.Frozen;
using Microsoft.AspNetCore.Authorization;

namespace SafetyBot.Host.Staff;

/// <summary>
/// The staff console's pages: <c>/console/signin</c> (with its script and style, open to everyone) and
/// <c>/console</c> itself (staff only). Plain HTML and small scripts from the assembly, under a strict
/// Content-Security-Policy: no inline script, no framing, nothing from elsewhere.
/// </summary>
public static class ConsolePages
{
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    private static readonly FrozenDictionary<string, (string ContentType, byte[] Content)> Files = Load();

    public static IEndpointRouteBuilder MapConsolePages(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);

        // Open to everyone: the sign-in page and what it loads.
        endpoints.MapGet(StaffAuthentication.SignInPath, (HttpContext context) => Serve(context, "signin.html")).AllowAnonymous().ExcludeFromDescription();
        endpoints.MapGet("/console/signin.js", (HttpContext context) => Serve(context, "signin.js")).AllowAnonymous().ExcludeFromDescription();
        endpoints.MapGet("/console/console.css", (HttpContext context) => Serve(context, "console.css")).AllowAnonymous().ExcludeFromDescription();

        // Staff only: the queue view and what it loads.
        endpoints.MapGet("/console", (HttpContext context) => Serve(context, "index.html")).RequireAuthorization(StaffAuthentication.StaffPolicy).ExcludeFromDescription();
        endpoints.MapGet("/console/console.js", (HttpContext context) => Serve(context, "console.js")).RequireAuthorization(StaffAuthentication.StaffPolicy).ExcludeFromDescription();
        endpoints.MapGet("/console/queue.css", (HttpContext context) => Serve(context, "queue.css")).RequireAuthorization(StaffAuthentication.StaffPolicy).ExcludeFromDescription();
        return endpoints;
    }

    private static IResult Serve(HttpContext context, string name)
    {
        var (contentType, content) = Files[name];
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
        return Results.Bytes(content, contentType);
    }

    private static FrozenDictionary<string, (string, byte[])> Load()
    {
        var assembly = typeof(ConsolePages).Assembly;
        var files = new Dictionary<string, (string, byte[])>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("console.", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var name = resource["console.".Length..];
            var contentType = Path.GetExtension(name) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                _ => "application/octet-stream",
            };
            files[name] = (contentType, copy.ToArray());
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
