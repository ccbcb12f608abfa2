using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using SafetyBot.Core.Staff;
using StackExchange.Redis;

namespace SafetyBot.Host.Staff;

/// <summary>
/// A staff member's session: the cookie's claims, the CSRF token bound to it, and the check on every request that
/// the account still carries the security stamp the session was issued with (so "sign out everywhere" and a
/// password change end sessions on every host). What a host last read about an account is trusted for
/// <see cref="StaffOptions.SessionCheckSeconds"/>; changes made on this host take effect here at once.
/// </summary>
public sealed partial class StaffSessions(
    IStaffDirectory directory,
    IDataProtectionProvider dataProtection,
    IOptions<StaffOptions> options,
    TimeProvider time,
    ILogger<StaffSessions> logger)
{
    public const string StampClaim = "safetybot:stamp";
    public const string SessionClaim = "safetybot:sid";

    /// <summary>Set on a request whose session could not be checked because the account store is away.</summary>
    internal const string UnavailableItem = "safetybot.staff.unavailable";

    private readonly IDataProtector _csrf = dataProtection.CreateProtector("SafetyBot.Staff.Csrf.v1");
    private readonly ConcurrentDictionary<string, (StaffAccount Account, DateTimeOffset ReadAt)> _recent = new(StringComparer.Ordinal);

    /// <summary>A new session for the account (a new session id, hence a new CSRF token).</summary>
    public ClaimsPrincipal CreatePrincipal(StaffAccount account, string? sessionId = null)
    {
        ArgumentNullException.ThrowIfNull(account);
        Remember(account);
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, account.Id),
            new Claim(ClaimTypes.Name, account.Username),
            new Claim(ClaimTypes.Role, StaffNames.RoleName(account.Role)),
            new Claim(StampClaim, account.SecurityStamp),
            new Claim(SessionClaim, sessionId ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))),
        ], StaffAuthentication.Scheme, ClaimTypes.Name, ClaimTypes.Role);
        return new ClaimsPrincipal(identity);
    }

    public static string? SessionIdOf(ClaimsPrincipal user) => user.FindFirstValue(SessionClaim);

    /// <summary>The CSRF token of the caller's session, for the <c>X-CSRF-Token</c> header.</summary>
    public string CsrfTokenFor(ClaimsPrincipal user)
    {
        var sessionId = SessionIdOf(user) ?? throw new InvalidOperationException("The caller has no staff session.");
        return _csrf.Protect(sessionId);
    }

    public bool IsValidCsrfToken(ClaimsPrincipal user, string? token)
    {
        var sessionId = SessionIdOf(user);
        if (sessionId is null || string.IsNullOrEmpty(token) || token.Length > 512)
        {
            return false;
        }

        string bound;
        try
        {
            bound = _csrf.Unprotect(token);
        }
        catch (CryptographicException)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(bound), Encoding.UTF8.GetBytes(sessionId));
    }

    /// <summary>What this host knows about an account now, e.g. right after changing it here.</summary>
    public void Remember(StaffAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        Keep(account, time.GetUtcNow());
    }

    /// <summary>The cookie handler's per-request check.</summary>
    public async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var user = context.Principal;
        var username = user?.Identity?.Name;
        if (user is null || username is null)
        {
            context.RejectPrincipal();
            return;
        }

        StaffAccount? account;
        try
        {
            account = await CurrentAsync(username, context.HttpContext.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Not signed out: the cookie stays and works again when the store is back.
            LogCannotCheckSession(logger, ex);
            context.HttpContext.Items[UnavailableItem] = true;
            context.RejectPrincipal();
            return;
        }

        if (account is null
            || account.Id != user.FindFirstValue(ClaimTypes.NameIdentifier)
            || account.SecurityStamp != user.FindFirstValue(StampClaim)
            || StaffNames.RoleName(account.Role) != user.FindFirstValue(ClaimTypes.Role))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(StaffAuthentication.Scheme).ConfigureAwait(false);
        }
    }

    private async Task<StaffAccount?> CurrentAsync(string username, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_recent.TryGetValue(username, out var recent) && now - recent.ReadAt < TimeSpan.FromSeconds(options.Value.SessionCheckSeconds))
        {
            return recent.Account;
        }

        var account = await directory.FindAsync(username, cancellationToken).ConfigureAwait(false);
        if (account is null)
        {
            _recent.TryRemove(username, out _);
        }
        else
        {
            Keep(account, now);
        }

        return account;
    }

    // A read that started before a change made here must not bring the older stamp back.
    private void Keep(StaffAccount account, DateTimeOffset now) =>
        _recent.AddOrUpdate(account.Username, (account, now),
            (_, existing) => existing.Account.Id == account.Id && existing.Account.Version > account.Version ? existing : (account, now));

    [LoggerMessage(Level = LogLevel.Warning, Message = "A staff session could not be checked: the account store is not reachable")]
    private static partial void LogCannotCheckSession(ILogger logger, Exception exception);
}
