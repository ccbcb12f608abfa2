using System.Security.Cryptography;

namespace SafetyBot.Core.Staff;

/// <summary>What a staff member may do in the hotline console. Each role includes the ones before it.</summary>
public enum StaffRole
{
    Agent = 0,
    Supervisor = 1,
    Admin = 2,
}

/// <summary>
/// A hotline staff account. <see cref="Username"/> is stored in its canonical (lower-case) form, so names are
/// case-insensitive. <see cref="Version"/> is the directory's optimistic-concurrency token: an update succeeds
/// only when the stored account still has the version the caller read.
/// </summary>
/// <param name="Id">Random and never reused; a cookie names it, so an account made again under the same name is a different account.</param>
/// <param name="SecurityStamp">Changes on "sign out everywhere" and on a password change; sessions carrying an older stamp end.</param>
/// <param name="LockoutEnd">Sign-in is refused until then, whatever the password.</param>
public sealed record StaffAccount(
    string Id,
    string Username,
    StaffRole Role,
    string PasswordHash,
    int FailedAttempts,
    DateTimeOffset? LockoutEnd,
    string SecurityStamp,
    DateTimeOffset CreatedAt,
    long Version = 0)
{
    public bool IsLockedOut(DateTimeOffset now) => LockoutEnd is { } end && end > now;

    /// <summary>A fresh account, not yet stored.</summary>
    public static StaffAccount New(string username, StaffRole role, string passwordHash, DateTimeOffset now) =>
        new(NewId(), StaffNames.Normalize(username), role, passwordHash, 0, null, NewSecurityStamp(), now);

    public static string NewSecurityStamp() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
}

/// <summary>Usernames and roles as they are written in requests, configuration and storage.</summary>
public static class StaffNames
{
    public const int MinLength = 3;
    public const int MaxLength = 32;

    /// <summary>3–32 ASCII letters, digits, <c>.</c>, <c>_</c> or <c>-</c>.</summary>
    public static bool IsValid(string? username) =>
        username is { Length: >= MinLength and <= MaxLength } && username.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>The canonical form that accounts are stored and compared under.</summary>
    public static string Normalize(string username)
    {
        ArgumentNullException.ThrowIfNull(username);
        return username.ToLowerInvariant();
    }

    public static string RoleName(StaffRole role) => role switch
    {
        StaffRole.Agent => "agent",
        StaffRole.Supervisor => "supervisor",
        StaffRole.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static bool TryParseRole(string? name, out StaffRole role)
    {
        switch (name)
        {
            case "agent":
                role = StaffRole.Agent;
                return true;
            case "supervisor":
                role = StaffRole.Supervisor;
                return true;
            case "admin":
                role = StaffRole.Admin;
                return true;
            default:
                role = default;
                return false;
        }
    }
}

/// <summary>Password rules for staff accounts.</summary>
public static class StaffPasswords
{
    public const int MinLength = 12;

    /// <summary>Keeps request bodies small; long passphrases are welcome up to here.</summary>
    public const int MaxLength = 1024;

    public static bool IsAcceptable(string? password) => password is { Length: >= MinLength and <= MaxLength };
}
