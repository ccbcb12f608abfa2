using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using SafetyBot.Testing;

namespace SafetyBot.Host.Tests;

/// <summary>
/// Every route of the running app under <c>/api/staff</c> or <c>/console</c>, found in its
/// <see cref="EndpointDataSource"/> (so routes added later are checked without touching this test), is called for
/// real by an anonymous caller: the API must answer 401 with the JSON error, pages must redirect to the sign-in
/// page. Only signing in and the sign-in page with its script and style are open.
/// </summary>
public sealed class RouteProtectionTests
{
    private static readonly HashSet<(string Method, string Route)> Open =
    [
        ("POST", "/api/staff/session"),
        ("GET", "/console/signin"),
        ("GET", "/console/signin.js"),
        ("GET", "/console/console.css"),
    ];

    [Fact]
    public async Task EveryStaffRoute_RefusesAnonymousCallers_ExceptSigningIn()
    {
        await using var host = await TestHost.StartAsync(StaffAuthTests.Settings());
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = host.BaseUrl };
        var routes = StaffRoutes(host);

        Assert.True(routes.Count >= 10, $"only {routes.Count} staff routes found: {string.Join(", ", routes)}");
        Assert.Superset(Open, routes.Select(r => (r.Method, r.Route)).ToHashSet());
        var problems = new List<string>();
        foreach (var (method, route, url) in routes)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), url);
            if (method is "POST" or "PUT" or "PATCH" or "DELETE")
            {
                request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
            }

            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            if (Open.Contains((method, route)))
            {
                if (status is 401 or 403 || response.StatusCode == HttpStatusCode.Redirect || status >= 500)
                {
                    problems.Add($"{method} {route} must be open to everyone but answered {status}");
                }
            }
            else if (route.StartsWith("/api/", StringComparison.Ordinal))
            {
                if (response.StatusCode != HttpStatusCode.Unauthorized || !IsError(body, "Unauthorized"))
                {
                    problems.Add($"{method} {route} answered an anonymous caller {status} {Shorten(body)} (expected 401 with the JSON error)");
                }
            }
            else if (method is not "GET" and not "HEAD"
                ? response.StatusCode != HttpStatusCode.Unauthorized && response.StatusCode != HttpStatusCode.Redirect
                : response.StatusCode != HttpStatusCode.Redirect || response.Headers.Location?.AbsolutePath != "/console/signin")
            {
                problems.Add($"{method} {route} answered an anonymous caller {status} {response.Headers.Location} (expected a redirect to /console/signin)");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task AForgedOrForeignCookie_IsTheSameAsNone()
    {
        await using var host = await TestHost.StartAsync(StaffAuthTests.Settings());
        await using var other = await TestHost.StartAsync(StaffAuthTests.Settings());
        using var foreign = await StaffClient.SignedInAsync(other, "root", StaffAuthTests.AdminPassword);
        var problems = new List<string>();

        foreach (var cookie in new[] { "forged", "CfDJ8" + new string('A', 300), foreign.Cookie! })
        {
            using var client = new StaffClient(host.BaseUrl) { Cookie = cookie, CsrfToken = foreign.CsrfToken };
            foreach (var (method, route, url) in StaffRoutes(host).Where(r => r.Route.StartsWith("/api/", StringComparison.Ordinal) && !Open.Contains((r.Method, r.Route))))
            {
                var response = await client.SendRawAsync(new HttpMethod(method), url.TrimStart('/'),
                    method == "GET" ? null : new StringContent("{}", Encoding.UTF8, "application/json"));
                if (response.StatusCode != HttpStatusCode.Unauthorized)
                {
                    problems.Add($"{method} {route} with cookie {cookie[..Math.Min(12, cookie.Length)]}…: {(int)response.StatusCode}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>Each staff route and method, with a URL whose parameters are filled in with plausible values.</summary>
    private static List<(string Method, string Route, string Url)> StaffRoutes(TestHost host) =>
    [
        .. host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => IsStaff(e.RoutePattern.RawText ?? string.Empty))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET", "POST", "DELETE"])
                .Where(m => m != "OPTIONS")
                .Select(m => (m, Normalize(e.RoutePattern.RawText!), UrlFor(e.RoutePattern))))
            .Distinct()
            .OrderBy(r => r.Item2, StringComparer.Ordinal).ThenBy(r => r.m, StringComparer.Ordinal),
    ];

    private static bool IsStaff(string route)
    {
        var path = "/" + route.TrimStart('/');
        return path.StartsWith("/api/staff", StringComparison.OrdinalIgnoreCase) || path.Equals("/console", StringComparison.OrdinalIgnoreCase)
            || path.StartsWith("/console/", StringComparison.OrdinalIgnoreCase);
    }

    private static string Normalize(string route) => "/" + route.TrimStart('/');

    private static string UrlFor(RoutePattern pattern)
    {
        var segments = pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternSeparatorPart separator => separator.Content,
            RoutePatternParameterPart parameter => SampleValue(parameter),
            _ => string.Empty,
        })));
        return "/" + string.Join("/", segments);
    }

    private static string SampleValue(RoutePatternParameterPart parameter)
    {
        var constraints = parameter.ParameterPolicies.Select(p => p.Content ?? string.Empty).ToList();
        if (constraints.Any(c => c is "int" or "long" or "decimal" or "double" or "float" || c.StartsWith("min", StringComparison.Ordinal) || c.StartsWith("range", StringComparison.Ordinal)))
        {
            return "1";
        }

        if (constraints.Contains("guid"))
        {
            return Guid.NewGuid().ToString();
        }

        if (constraints.Contains("bool"))
        {
            return "true";
        }

        return parameter.IsCatchAll ? "some/path" : "sample-" + parameter.Name.ToLowerInvariant();
    }

    private static bool IsError(string body, string code)
    {
        try
        {
            return (string?)JsonNode.Parse(body)?["error"]?["code"] == code && JsonNode.Parse(body)?["error"]?["message"] is not null;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static string Shorten(string body) => body.Length <= 120 ? body : body[..120] + "…";
}
