using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SafetyBot.Core;
using SafetyBot.Core.Staff;
using SafetyBot.Redis;

namespace SafetyBot.Host.Staff;

/// <summary>
/// Staff sign-in for the hotline console: cookie sessions (<c>safetybot.staff</c>: HttpOnly, Secure,
/// SameSite=Strict, sliding), checked against the account's security stamp; data protection keys in Redis when
/// Redis is configured, so every host accepts every host's cookie; the <c>staff</c>, <c>supervisor</c> and
/// <c>admin</c> policies; CSRF tokens on every state-changing staff request; and a guard that makes every route
/// under <c>/api/staff</c> and <c>/console</c> need a signed-in staff member unless it says otherwise.
/// </summary>
public static class StaffAuthentication
{
    public const string Scheme = "StaffCookie";
    public const string CookieName = "safetybot.staff";
    public const string CsrfHeader = "X-CSRF-Token";
    public const string SignInPath = "/console/signin";
    public const string SignInRateLimit = "staff-signin";

    /// <summary>Any signed-in staff member.</summary>
    public const string StaffPolicy = "staff";

    /// <summary>Supervisors and admins.</summary>
    public const string SupervisorPolicy = "supervisor";

    /// <summary>Admins only.</summary>
    public const string AdminPolicy = "admin";

    internal const string ApiPrefix = "/api/staff";
    internal const string ConsolePrefix = "/console";

    /// <summary>Staff options, password hashing and the account rules, over the in-process directory unless Redis provides one.</summary>
    public static IServiceCollection AddStaffAccounts(this IServiceCollection services)
    {
        services.AddOptions<StaffOptions>().BindConfiguration(StaffOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => !o.BootstrapAdmin.IsSet || !string.IsNullOrEmpty(o.BootstrapAdmin.Username),
                "Staff:BootstrapAdmin:Username (Staff__BootstrapAdmin__Username) must be set when Staff:BootstrapAdmin:Password is.")
            .Validate(o => !o.BootstrapAdmin.IsSet || StaffNames.IsValid(o.BootstrapAdmin.Username),
                "Staff:BootstrapAdmin:Username (Staff__BootstrapAdmin__Username) must be 3–32 letters, digits, '.', '_' or '-'.")
            .Validate(o => !o.BootstrapAdmin.IsSet || StaffPasswords.IsAcceptable(o.BootstrapAdmin.Password),
                $"Staff:BootstrapAdmin:Password (Staff__BootstrapAdmin__Password) must be at least {StaffPasswords.MinLength} characters (and at most {StaffPasswords.MaxLength}).")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IStaffDirectory, InProcessStaffDirectory>();
        services.TryAddSingleton(sp => new PasswordHasher(sp.GetRequiredService<IOptions<StaffOptions>>().Value.PasswordIterations));
        services.TryAddSingleton(sp => new StaffAccountService(sp.GetRequiredService<IStaffDirectory>(), sp.GetRequiredService<PasswordHasher>(),
            sp.GetRequiredService<IOptions<StaffOptions>>().Value.Lockout, sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    /// <summary>Registers staff accounts, sessions, policies, the sign-in rate limit, the bootstrap admin and the OpenAPI document.</summary>
    public static SafetyBotBuilder AddStaffConsole(this SafetyBotBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddStaffAccounts();
        services.AddSingleton<StaffSessions>();
        services.AddHostedService<StaffBootstrap>();

        // One application name on every host (not the content root). The key ring lives in Redis when there is one,
        // so every host reads every host's cookies; else in memory, like the in-process accounts it protects.
        services.AddDataProtection().SetApplicationName("SafetyBot");
        services.AddOptions<KeyManagementOptions>().Configure<IServiceProvider>((keys, sp) =>
            keys.XmlRepository = sp.GetService<RedisConnection>() is { } redis
                ? new RedisXmlRepository(() => redis.Database, redis.Key("dataprotection:keys"))
                : new InMemoryXmlRepository());

        services.AddAuthentication(Scheme).AddCookie(Scheme, cookie =>
        {
            cookie.Cookie.Name = CookieName;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            cookie.Cookie.Path = "/";
            cookie.Cookie.IsEssential = true;
            cookie.SlidingExpiration = true;
            cookie.LoginPath = SignInPath;
            cookie.ReturnUrlParameter = "returnUrl";
            cookie.Events = new CookieAuthenticationEvents
            {
                OnValidatePrincipal = context => context.HttpContext.RequestServices.GetRequiredService<StaffSessions>().ValidateAsync(context),
                OnRedirectToLogin = context => Challenge(context.HttpContext, context.RedirectUri),
                OnRedirectToAccessDenied = context => Forbid(context.HttpContext),
            };
        });
        services.AddOptions<CookieAuthenticationOptions>(Scheme).Configure<IOptions<StaffOptions>>((cookie, staff) =>
            cookie.ExpireTimeSpan = staff.Value.SessionLifetime);

        services.AddAuthorizationBuilder()
            .AddPolicy(StaffPolicy, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser()
                .RequireRole(StaffNames.RoleName(StaffRole.Agent), StaffNames.RoleName(StaffRole.Supervisor), StaffNames.RoleName(StaffRole.Admin)))
            .AddPolicy(SupervisorPolicy, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser()
                .RequireRole(StaffNames.RoleName(StaffRole.Supervisor), StaffNames.RoleName(StaffRole.Admin)))
            .AddPolicy(AdminPolicy, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser()
                .RequireRole(StaffNames.RoleName(StaffRole.Admin)));

        services.AddRateLimiter(limiter => limiter.AddPolicy(SignInRateLimit, context =>
        {
            var perMinute = context.RequestServices.GetRequiredService<IOptions<StaffOptions>>().Value.SignInsPerIpPerMinute;
            return RateLimitPartition.GetFixedWindowLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
        }));

        services.AddStaffOpenApi();
        return builder;
    }

    /// <summary>Authentication, authorization, then the staff guard (secure by default, CSRF). Call after routing-dependent middleware such as the rate limiter.</summary>
    public static WebApplication UseStaffConsole(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseAuthentication();
        app.UseAuthorization();
        app.Use(GuardAsync);
        return app;
    }

    internal static bool IsStaffPath(PathString path) =>
        path.StartsWithSegments(ApiPrefix, StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments(ConsolePrefix, StringComparison.OrdinalIgnoreCase);

    internal static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase);

    private static async Task GuardAsync(HttpContext context, RequestDelegate next)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null || !IsStaffPath(context.Request.Path))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var metadata = endpoint.Metadata;
        var anonymous = metadata.GetMetadata<IAllowAnonymous>() is not null;
        if (!anonymous && metadata.GetMetadata<IAuthorizeData>() is null && !IsStaff(context.User))
        {
            // A staff route that forgot to say who may use it: staff only, never the public.
            await context.ChallengeAsync(Scheme).ConfigureAwait(false);
            return;
        }

        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !HttpMethods.IsOptions(context.Request.Method)
            && metadata.GetMetadata<CsrfExemptAttribute>() is null && IsStaff(context.User))
        {
            var token = context.Request.Headers[CsrfHeader].ToString();
            if (!context.RequestServices.GetRequiredService<StaffSessions>().IsValidCsrfToken(context.User, token))
            {
                await StaffErrors.Error(StatusCodes.Status403Forbidden, string.IsNullOrEmpty(token) ? "CsrfTokenMissing" : "CsrfTokenInvalid",
                    $"This request needs the {CsrfHeader} header with the csrfToken of this session (from sign-in or GET /api/staff/session).")
                    .ExecuteAsync(context).ConfigureAwait(false);
                return;
            }
        }

        await next(context).ConfigureAwait(false);
    }

    private static bool IsStaff(ClaimsPrincipal user) =>
        user.Identities.Any(i => i.IsAuthenticated && i.AuthenticationType == Scheme);

    private static Task Challenge(HttpContext context, string redirectUri)
    {
        if (context.Items.ContainsKey(StaffSessions.UnavailableItem))
        {
            context.Response.Headers.RetryAfter = "5";
            return StaffErrors.Error(StatusCodes.Status503ServiceUnavailable, "ServiceUnavailable",
                "Staff accounts cannot be checked right now; please retry shortly.").ExecuteAsync(context);
        }

        if (IsApi(context.Request))
        {
            return StaffErrors.Error(StatusCodes.Status401Unauthorized, "Unauthorized", "Sign in as hotline staff first (POST /api/staff/session).").ExecuteAsync(context);
        }

        context.Response.Redirect(redirectUri);
        return Task.CompletedTask;
    }

    private static Task Forbid(HttpContext context)
    {
        if (IsApi(context.Request))
        {
            return StaffErrors.Error(StatusCodes.Status403Forbidden, "Forbidden", "Your role does not allow this.").ExecuteAsync(context);
        }

        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    }
}

/// <summary>A data protection key ring that lives and dies with the process (no Redis: nothing outlives it anyway).</summary>
internal sealed class InMemoryXmlRepository : Microsoft.AspNetCore.DataProtection.Repositories.IXmlRepository
{
    private readonly List<System.Xml.Linq.XElement> _elements = [];
    private readonly Lock _lock = new();

    public IReadOnlyCollection<System.Xml.Linq.XElement> GetAllElements()
    {
        lock (_lock)
        {
            return [.. _elements.Select(e => new System.Xml.Linq.XElement(e))];
        }
    }

    public void StoreElement(System.Xml.Linq.XElement element, string friendlyName)
    {
        lock (_lock)
        {
            _elements.Add(new System.Xml.Linq.XElement(element));
        }
    }
}

/// <summary>Marks a state-changing staff endpoint that needs no CSRF token (signing in: there is no session yet).</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class)]
public sealed class CsrfExemptAttribute : Attribute;

/// <summary>Errors of the staff API, shaped like the rest of SafetyBot's: <c>{"error":{"code","message"}}</c>.</summary>
public static class StaffErrors
{
    public static IResult Error(int status, string code, string message) =>
        Results.Json(new StaffErrorResponse(new StaffErrorDetail(code, message)), statusCode: status);

    internal static IResult LockedOut(HttpContext context, DateTimeOffset until, TimeProvider time)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling((until - time.GetUtcNow()).TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var minutes = (int)Math.Ceiling(seconds / 60.0);
        return Error(StatusCodes.Status423Locked, "LockedOut",
            $"Too many wrong passwords: this account is locked for {minutes} more minute{(minutes == 1 ? string.Empty : "s")}.");
    }
}

public sealed record StaffErrorResponse(StaffErrorDetail Error);

public sealed record StaffErrorDetail(string Code, string Message);
