using System.Buffers;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using SafetyBot.Core.Staff;
using StackExchange.Redis;

namespace SafetyBot.Host.Staff;

/// <summary>
/// The staff API under <c>/api/staff</c>: sign in and out, "sign out everywhere", accounts (admins) and
/// passwords (oneself, or admins for anyone). Every answer is JSON and never cached; errors are
/// <c>{"error":{"code","message"}}</c>.
/// </summary>
public static partial class StaffEndpoints
{
    private const int MaxBodyBytes = 16 * 1024;
    private const string WrongCredentials = "The username or password is not right.";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapStaffEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var api = endpoints.MapGroup(StaffAuthentication.ApiPrefix)
            .WithTags("Staff")
            .AddEndpointFilter(NoStoreAndUnavailableAsync);

        api.MapPost("/session", SignInAsync)
            .AllowAnonymous()
            .WithMetadata(new CsrfExemptAttribute())
            .RequireRateLimiting(StaffAuthentication.SignInRateLimit)
            .WithName("SignIn")
            .WithSummary("Sign in with username and password")
            .WithDescription("Sets the session cookie and returns the CSRF token for the X-CSRF-Token header. A wrong password and an unknown username get the same 401. After too many wrong passwords in a row the account is locked (423, Retry-After). Rate-limited per client address (429).")
            .Accepts<SignInRequest>("application/json")
            .Produces<StaffSessionResponse>()
            .Produces<StaffErrorResponse>(StatusCodes.Status400BadRequest)
            .Produces<StaffErrorResponse>(StatusCodes.Status401Unauthorized)
            .Produces<StaffErrorResponse>(StatusCodes.Status423Locked)
            .Produces<StaffErrorResponse>(StatusCodes.Status429TooManyRequests);

        api.MapGet("/session", GetSession)
            .RequireStaff(StaffAuthentication.StaffPolicy)
            .WithName("GetSession")
            .WithSummary("Who is signed in, with the session's CSRF token")
            .Produces<StaffSessionResponse>();

        api.MapDelete("/session", (Delegate)SignOutAsync)
            .RequireStaff(StaffAuthentication.StaffPolicy)
            .WithName("SignOut")
            .WithSummary("Sign out of this session")
            .Produces(StatusCodes.Status204NoContent);

        api.MapPost("/session/revoke", RevokeAsync)
            .RequireStaff(StaffAuthentication.StaffPolicy)
            .WithName("SignOutEverywhere")
            .WithSummary("Sign out everywhere: ends every session of the caller's account, on every host, this one included")
            .Produces(StatusCodes.Status204NoContent);

        api.MapGet("/accounts", ListAccountsAsync)
            .RequireStaff(StaffAuthentication.AdminPolicy)
            .WithName("ListAccounts")
            .WithSummary("Every staff account (admins); never a password hash")
            .Produces<StaffAccountResponse[]>();

        api.MapPost("/accounts", CreateAccountAsync)
            .RequireStaff(StaffAuthentication.AdminPolicy)
            .WithName("CreateAccount")
            .WithSummary("Create a staff account with a role (admins)")
            .Accepts<CreateAccountRequest>("application/json")
            .Produces<StaffAccountResponse>(StatusCodes.Status201Created)
            .Produces<StaffErrorResponse>(StatusCodes.Status400BadRequest)
            .Produces<StaffErrorResponse>(StatusCodes.Status409Conflict);

        api.MapPost("/accounts/{username}/password", ChangePasswordAsync)
            .RequireStaff(StaffAuthentication.StaffPolicy)
            .WithName("ChangePassword")
            .WithSummary("Set a new password: one's own (with the current password) or, for admins, anyone's")
            .WithDescription("Ends every other session of the account; the caller's own session continues with a renewed cookie.")
            .Accepts<ChangePasswordRequest>("application/json")
            .Produces(StatusCodes.Status204NoContent)
            .Produces<StaffErrorResponse>(StatusCodes.Status400BadRequest)
            .Produces<StaffErrorResponse>(StatusCodes.Status404NotFound)
            .Produces<StaffErrorResponse>(StatusCodes.Status423Locked);

        return endpoints;
    }

    /// <summary>Requires a policy and documents what an API caller gets without it (401, 403) and, for changes, the CSRF header.</summary>
    public static RouteHandlerBuilder RequireStaff(this RouteHandlerBuilder endpoint, string policy)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.RequireAuthorization(policy)
            .Produces<StaffErrorResponse>(StatusCodes.Status401Unauthorized)
            .Produces<StaffErrorResponse>(StatusCodes.Status403Forbidden);
    }

    private static async Task<IResult> SignInAsync(HttpContext context, StaffAccountService accounts, StaffSessions sessions, TimeProvider time, ILoggerFactory loggers)
    {
        var (request, error) = await ReadAsync<SignInRequest>(context).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        if (string.IsNullOrEmpty(request!.Username) || string.IsNullOrEmpty(request.Password))
        {
            return StaffErrors.Error(StatusCodes.Status400BadRequest, "BadRequest", "The body must be JSON: {\"username\": \"…\", \"password\": \"…\"}.");
        }

        var logger = loggers.CreateLogger(typeof(StaffEndpoints));
        var result = await accounts.SignInAsync(request.Username, request.Password, context.RequestAborted).ConfigureAwait(false);
        switch (result.Status)
        {
            case SignInStatus.SignedIn:
                var account = result.Account!;
                var role = StaffNames.RoleName(account.Role);
                var principal = sessions.CreatePrincipal(account);
                await context.SignInAsync(StaffAuthentication.Scheme, principal, new AuthenticationProperties { IsPersistent = false }).ConfigureAwait(false);
                LogSignedIn(logger, account.Username, role);
                return Results.Json(new StaffSessionResponse(account.Username, role, sessions.CsrfTokenFor(principal)));
            case SignInStatus.LockedOut:
                var lockedUntil = result.LockedUntil!.Value;
                var lockedName = StaffNames.Normalize(request.Username);
                LogLockedOut(logger, lockedName, lockedUntil);
                return StaffErrors.LockedOut(context, lockedUntil, time);
            default:
                // The typed username is not logged: people sometimes type their password into it.
                LogSignInFailed(logger, context.Connection.RemoteIpAddress);
                return StaffErrors.Error(StatusCodes.Status401Unauthorized, "WrongCredentials", WrongCredentials);
        }
    }

    private static IResult GetSession(ClaimsPrincipal user, StaffSessions sessions) =>
        Results.Json(new StaffSessionResponse(user.Identity!.Name!, user.FindFirstValue(ClaimTypes.Role)!, sessions.CsrfTokenFor(user)));

    private static async Task<IResult> SignOutAsync(HttpContext context)
    {
        await context.SignOutAsync(StaffAuthentication.Scheme).ConfigureAwait(false);
        return Results.NoContent();
    }

    private static async Task<IResult> RevokeAsync(HttpContext context, StaffAccountService accounts, StaffSessions sessions, ILoggerFactory loggers)
    {
        var username = context.User.Identity!.Name!;
        var change = await accounts.RevokeSessionsAsync(username, context.RequestAborted).ConfigureAwait(false);
        if (change.Account is { } account)
        {
            sessions.Remember(account);
        }

        await context.SignOutAsync(StaffAuthentication.Scheme).ConfigureAwait(false);
        var logger = loggers.CreateLogger(typeof(StaffEndpoints));
        LogRevoked(logger, username);
        return Results.NoContent();
    }

    private static async Task<IResult> ListAccountsAsync(IStaffDirectory directory, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var all = await directory.ListAsync(cancellationToken).ConfigureAwait(false);
        return Results.Json(all.Select(a => StaffAccountResponse.Of(a, now)).ToArray());
    }

    private static async Task<IResult> CreateAccountAsync(HttpContext context, StaffAccountService accounts, TimeProvider time, ILoggerFactory loggers)
    {
        var (request, error) = await ReadAsync<CreateAccountRequest>(context).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        if (!StaffNames.TryParseRole(request!.Role, out var role))
        {
            return StaffErrors.Error(StatusCodes.Status400BadRequest, "InvalidRole", "\"role\" must be \"agent\", \"supervisor\" or \"admin\".");
        }

        var change = await accounts.CreateAsync(request.Username ?? string.Empty, role, request.Password ?? string.Empty, context.RequestAborted).ConfigureAwait(false);
        if (!change.Succeeded)
        {
            return AccountError(change.Error);
        }

        var account = change.Account!;
        var logger = loggers.CreateLogger(typeof(StaffEndpoints));
        var createdBy = context.User.Identity!.Name!;
        LogCreated(logger, account.Username, request.Role!, createdBy);
        return Results.Json(StaffAccountResponse.Of(account, time.GetUtcNow()), statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> ChangePasswordAsync(HttpContext context, string username, StaffAccountService accounts, StaffSessions sessions, TimeProvider time, ILoggerFactory loggers)
    {
        var caller = context.User.Identity!.Name!;
        var self = string.Equals(StaffNames.Normalize(username), caller, StringComparison.Ordinal);
        if (!self && !context.User.IsInRole(StaffNames.RoleName(StaffRole.Admin)))
        {
            return StaffErrors.Error(StatusCodes.Status403Forbidden, "Forbidden", "Only admins may set another person's password.");
        }

        var (request, error) = await ReadAsync<ChangePasswordRequest>(context).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        if (!StaffPasswords.IsAcceptable(request!.NewPassword))
        {
            return AccountError(StaffAccountError.UnacceptablePassword);
        }

        if (self)
        {
            // Someone who finds a console left open must not be able to take the account over.
            var check = await accounts.SignInAsync(caller, request.CurrentPassword ?? string.Empty, context.RequestAborted).ConfigureAwait(false);
            if (check.Status == SignInStatus.LockedOut)
            {
                return StaffErrors.LockedOut(context, check.LockedUntil!.Value, time);
            }

            if (check.Status != SignInStatus.SignedIn)
            {
                return StaffErrors.Error(StatusCodes.Status403Forbidden, "WrongCurrentPassword", "The current password is not right.");
            }
        }

        var change = await accounts.SetPasswordAsync(username, request.NewPassword!, context.RequestAborted).ConfigureAwait(false);
        if (!change.Succeeded)
        {
            return AccountError(change.Error);
        }

        var account = change.Account!;
        sessions.Remember(account);
        if (self)
        {
            // This session goes on (same session id, so the same CSRF token); every other one ends.
            var principal = sessions.CreatePrincipal(account, StaffSessions.SessionIdOf(context.User));
            await context.SignInAsync(StaffAuthentication.Scheme, principal, new AuthenticationProperties { IsPersistent = false }).ConfigureAwait(false);
        }

        var logger = loggers.CreateLogger(typeof(StaffEndpoints));
        LogPasswordChanged(logger, account.Username, caller);
        return Results.NoContent();
    }

    private static IResult AccountError(StaffAccountError error) => error switch
    {
        StaffAccountError.InvalidUsername => StaffErrors.Error(StatusCodes.Status400BadRequest, "InvalidUsername",
            $"A username is {StaffNames.MinLength}–{StaffNames.MaxLength} letters, digits, '.', '_' or '-'."),
        StaffAccountError.UnacceptablePassword => StaffErrors.Error(StatusCodes.Status400BadRequest, "PasswordTooShort",
            $"A password must be at least {StaffPasswords.MinLength} characters (and at most {StaffPasswords.MaxLength})."),
        StaffAccountError.UsernameTaken => StaffErrors.Error(StatusCodes.Status409Conflict, "UsernameTaken", "An account with this username already exists."),
        StaffAccountError.NotFound => StaffErrors.Error(StatusCodes.Status404NotFound, "NotFound", "There is no account with this username."),
        _ => throw new ArgumentOutOfRangeException(nameof(error)),
    };

    private static async ValueTask<object?> NoStoreAndUnavailableAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        context.HttpContext.Response.Headers.CacheControl = "no-store";
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or StaffDirectoryContentionException)
        {
            var logger = context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StaffEndpoints));
            LogUnavailable(logger, ex);
            context.HttpContext.Response.Headers.RetryAfter = "5";
            return StaffErrors.Error(StatusCodes.Status503ServiceUnavailable, "ServiceUnavailable", "Staff accounts are unavailable right now; please retry shortly.");
        }
    }

    private static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpContext context)
        where T : class
    {
        var request = context.Request;
        if (!request.HasJsonContentType())
        {
            return (null, StaffErrors.Error(StatusCodes.Status415UnsupportedMediaType, "UnsupportedMediaType", "Send JSON with Content-Type: application/json."));
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            return (null, TooLarge());
        }

        var buffer = ArrayPool<byte>.Shared.Rent(MaxBodyBytes + 1);
        try
        {
            var length = 0;
            int read;
            while ((read = await request.Body.ReadAsync(buffer.AsMemory(length, MaxBodyBytes + 1 - length), context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                length += read;
                if (length > MaxBodyBytes)
                {
                    return (null, TooLarge());
                }
            }

            var value = JsonSerializer.Deserialize<T>(buffer.AsSpan(0, length), Json);
            return value is null
                ? (null, StaffErrors.Error(StatusCodes.Status400BadRequest, "BadRequest", "The body must be a JSON object."))
                : (value, null);
        }
        catch (JsonException)
        {
            return (null, StaffErrors.Error(StatusCodes.Status400BadRequest, "BadRequest", "The body is not valid JSON of the expected shape."));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        static IResult TooLarge() => StaffErrors.Error(StatusCodes.Status413PayloadTooLarge, "TooLarge", $"The body may be at most {MaxBodyBytes / 1024} KB.");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Staff member {Username} ({Role}) signed in")]
    private static partial void LogSignedIn(ILogger logger, string username, string role);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A staff sign-in failed (unknown username or wrong password) from {RemoteAddress}")]
    private static partial void LogSignInFailed(ILogger logger, System.Net.IPAddress? remoteAddress);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Staff account {Username} is locked until {LockedUntil} after repeated wrong passwords")]
    private static partial void LogLockedOut(ILogger logger, string username, DateTimeOffset lockedUntil);

    [LoggerMessage(Level = LogLevel.Information, Message = "Staff member {Username} signed out everywhere")]
    private static partial void LogRevoked(ILogger logger, string username);

    [LoggerMessage(Level = LogLevel.Information, Message = "Staff account {Username} ({Role}) created by {CreatedBy}")]
    private static partial void LogCreated(ILogger logger, string username, string role, string createdBy);

    [LoggerMessage(Level = LogLevel.Information, Message = "The password of staff account {Username} was changed by {ChangedBy}; its other sessions ended")]
    private static partial void LogPasswordChanged(ILogger logger, string username, string changedBy);

    [LoggerMessage(Level = LogLevel.Error, Message = "The staff account store is unavailable")]
    private static partial void LogUnavailable(ILogger logger, Exception exception);
}

public sealed record SignInRequest(string? Username, string? Password);

public sealed record StaffSessionResponse(string Username, string Role, string CsrfToken);

public sealed record CreateAccountRequest(string? Username, string? Password, string? Role);

public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

/// <summary>An account as the API shows it: never its password hash or security stamp.</summary>
public sealed record StaffAccountResponse(string Username, string Role, DateTimeOffset CreatedAt, DateTimeOffset? LockedOutUntil)
{
    public static StaffAccountResponse Of(StaffAccount account, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(account);
        return new(account.Username, StaffNames.RoleName(account.Role), account.CreatedAt, account.IsLockedOut(now) ? account.LockoutEnd : null);
    }
}
