using System.ComponentModel.DataAnnotations;
using SafetyBot.Core.Staff;

namespace SafetyBot.Host.Staff;

/// <summary>Staff accounts, sign-in and sessions (<c>Staff__…</c>).</summary>
public sealed class StaffOptions
{
    public const string SectionName = "Staff";

    /// <summary>A session ends after this many hours without a request (sliding).</summary>
    [Range(0.1, 720, ErrorMessage = "Staff:SessionHours (Staff__SessionHours) must be between 0.1 and 720.")]
    public double SessionHours { get; set; } = 8;

    /// <summary>PBKDF2 iterations for new password hashes; older hashes are upgraded at the next sign-in.</summary>
    [Range(PasswordHasher.MinIterations, PasswordHasher.MaxIterations,
        ErrorMessage = "Staff:PasswordIterations (Staff__PasswordIterations) must be between 100000 and 10000000.")]
    public int PasswordIterations { get; set; } = PasswordHasher.DefaultIterations;

    /// <summary>Wrong passwords in a row that lock an account.</summary>
    [Range(1, 100, ErrorMessage = "Staff:MaxFailedSignIns (Staff__MaxFailedSignIns) must be between 1 and 100.")]
    public int MaxFailedSignIns { get; set; } = 5;

    /// <summary>How long a locked account refuses every sign-in.</summary>
    [Range(0.1, 1440, ErrorMessage = "Staff:LockoutMinutes (Staff__LockoutMinutes) must be between 0.1 and 1440.")]
    public double LockoutMinutes { get; set; } = 15;

    /// <summary>Sign-in attempts per client address and minute, whatever the username.</summary>
    [Range(1, 10_000, ErrorMessage = "Staff:SignInsPerIpPerMinute (Staff__SignInsPerIpPerMinute) must be between 1 and 10000.")]
    public int SignInsPerIpPerMinute { get; set; } = 20;

    /// <summary>
    /// How long a host may trust what it last read about an account (security stamp, role) before reading it
    /// again: "sign out everywhere" on another host takes effect here within this time. 0 reads on every request.
    /// </summary>
    [Range(0, 300, ErrorMessage = "Staff:SessionCheckSeconds (Staff__SessionCheckSeconds) must be between 0 and 300.")]
    public int SessionCheckSeconds { get; set; } = 30;

    /// <summary>Created at start-up when no admin exists yet.</summary>
    public BootstrapAdminOptions BootstrapAdmin { get; set; } = new();

    public TimeSpan SessionLifetime => TimeSpan.FromHours(SessionHours);

    public StaffLockoutPolicy Lockout => new(MaxFailedSignIns, TimeSpan.FromMinutes(LockoutMinutes));
}

public sealed class BootstrapAdminOptions
{
    public string? Username { get; set; }

    public string? Password { get; set; }

    public bool IsSet => !string.IsNullOrEmpty(Username) || !string.IsNullOrEmpty(Password);
}
