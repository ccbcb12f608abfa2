namespace SafetyBot.Core.Staff;

/// <summary>How many wrong passwords in a row lock an account, and for how long.</summary>
public sealed record StaffLockoutPolicy(int MaxFailedAttempts, TimeSpan Duration)
{
    public static StaffLockoutPolicy Default { get; } = new(5, TimeSpan.FromMinutes(15));
}

public enum SignInStatus
{
    SignedIn = 0,

    /// <summary>Unknown username or wrong password: callers must not tell the two apart.</summary>
    WrongCredentials = 1,
    LockedOut = 2,
}

public sealed record SignInResult(SignInStatus Status, StaffAccount? Account = null, DateTimeOffset? LockedUntil = null);

public enum StaffAccountError
{
    None = 0,
    InvalidUsername = 1,
    UnacceptablePassword = 2,
    UsernameTaken = 3,
    NotFound = 4,
}

public sealed record StaffAccountChange(StaffAccountError Error, StaffAccount? Account = null)
{
    public bool Succeeded => Error == StaffAccountError.None;
}

/// <summary>Thrown when an account kept changing under an update for longer than any real contention explains.</summary>
public sealed class StaffDirectoryContentionException : Exception
{
    public StaffDirectoryContentionException()
    {
    }

    public StaffDirectoryContentionException(string message)
        : base(message)
    {
    }

    public StaffDirectoryContentionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Staff accounts' rules over any <see cref="IStaffDirectory"/>: sign-in with lockout after repeated wrong
/// passwords (counted exactly under concurrency with the directory's compare-and-set), creation, password
/// changes and "sign out everywhere" (a new security stamp).
/// </summary>
public sealed class StaffAccountService(IStaffDirectory directory, PasswordHasher hasher, StaffLockoutPolicy lockout, TimeProvider time)
{
    private const int MaxRetries = 64;

    public async Task<SignInResult> SignInAsync(string username, string password, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(password);
        var account = StaffNames.IsValid(username) ? await directory.FindAsync(username, cancellationToken).ConfigureAwait(false) : null;
        if (account is null)
        {
            hasher.VerifyDecoy(password);
            return new SignInResult(SignInStatus.WrongCredentials);
        }

        // A retry after a conflict re-reads the account; the password is checked again only if its hash changed.
        var checks = new Dictionary<string, PasswordCheck>(StringComparer.Ordinal);
        for (var attempt = 0; attempt < MaxRetries; attempt++)
        {
            var now = time.GetUtcNow();
            if (account.IsLockedOut(now))
            {
                return new SignInResult(SignInStatus.LockedOut, LockedUntil: account.LockoutEnd);
            }

            if (!checks.TryGetValue(account.PasswordHash, out var check))
            {
                check = password.Length > StaffPasswords.MaxLength ? PasswordCheck.Wrong : hasher.Verify(account.PasswordHash, password);
                checks[account.PasswordHash] = check;
            }

            StaffAccount changed;
            if (check == PasswordCheck.Wrong)
            {
                var failures = account.FailedAttempts + 1;
                changed = failures >= lockout.MaxFailedAttempts
                    ? account with { FailedAttempts = 0, LockoutEnd = now + lockout.Duration }
                    : account with { FailedAttempts = failures };
            }
            else if (check == PasswordCheck.Right && account.FailedAttempts == 0 && account.LockoutEnd is null)
            {
                return new SignInResult(SignInStatus.SignedIn, account);
            }
            else
            {
                changed = account with
                {
                    FailedAttempts = 0,
                    LockoutEnd = null,
                    PasswordHash = check == PasswordCheck.RightButRehash ? hasher.Hash(password) : account.PasswordHash,
                };
            }

            var stored = await directory.UpdateAsync(changed, cancellationToken).ConfigureAwait(false);
            if (stored is not null)
            {
                return check == PasswordCheck.Wrong
                    ? new SignInResult(SignInStatus.WrongCredentials)
                    : new SignInResult(SignInStatus.SignedIn, stored);
            }

            account = await directory.FindAsync(username, cancellationToken).ConfigureAwait(false);
            if (account is null)
            {
                return new SignInResult(SignInStatus.WrongCredentials);
            }
        }

        throw new StaffDirectoryContentionException();
    }

    public async Task<StaffAccountChange> CreateAsync(string username, StaffRole role, string password, CancellationToken cancellationToken)
    {
        if (!StaffNames.IsValid(username))
        {
            return new StaffAccountChange(StaffAccountError.InvalidUsername);
        }

        if (!StaffPasswords.IsAcceptable(password))
        {
            return new StaffAccountChange(StaffAccountError.UnacceptablePassword);
        }

        var account = StaffAccount.New(username, role, hasher.Hash(password), time.GetUtcNow());
        var stored = await directory.CreateAsync(account, cancellationToken).ConfigureAwait(false);
        return stored is null ? new StaffAccountChange(StaffAccountError.UsernameTaken) : new StaffAccountChange(StaffAccountError.None, stored);
    }

    /// <summary>Sets a new password; every session of the account ends, and a lockout is lifted.</summary>
    public Task<StaffAccountChange> SetPasswordAsync(string username, string newPassword, CancellationToken cancellationToken)
    {
        if (!StaffPasswords.IsAcceptable(newPassword))
        {
            return Task.FromResult(new StaffAccountChange(StaffAccountError.UnacceptablePassword));
        }

        var hash = hasher.Hash(newPassword);
        var stamp = StaffAccount.NewSecurityStamp();
        return ChangeAsync(username, a => a with { PasswordHash = hash, SecurityStamp = stamp, FailedAttempts = 0, LockoutEnd = null }, cancellationToken);
    }

    /// <summary>"Sign out everywhere": a new security stamp ends every session of the account.</summary>
    public Task<StaffAccountChange> RevokeSessionsAsync(string username, CancellationToken cancellationToken)
    {
        var stamp = StaffAccount.NewSecurityStamp();
        return ChangeAsync(username, a => a with { SecurityStamp = stamp }, cancellationToken);
    }

    public async Task<bool> HasAdminAsync(CancellationToken cancellationToken) =>
        (await directory.ListAsync(cancellationToken).ConfigureAwait(false)).Any(a => a.Role == StaffRole.Admin);

    private async Task<StaffAccountChange> ChangeAsync(string username, Func<StaffAccount, StaffAccount> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(username);
        for (var attempt = 0; attempt < MaxRetries; attempt++)
        {
            var account = StaffNames.IsValid(username) ? await directory.FindAsync(username, cancellationToken).ConfigureAwait(false) : null;
            if (account is null)
            {
                return new StaffAccountChange(StaffAccountError.NotFound);
            }

            var stored = await directory.UpdateAsync(change(account), cancellationToken).ConfigureAwait(false);
            if (stored is not null)
            {
                return new StaffAccountChange(StaffAccountError.None, stored);
            }
        }

        throw new StaffDirectoryContentionException();
    }
}
