namespace SafetyBot.Core.Staff;

/// <summary>
/// Where staff accounts are kept: in process (development, one host) or in Redis (shared by every host).
/// Accounts never expire. Usernames are looked up case-insensitively.
/// </summary>
public interface IStaffDirectory
{
    /// <summary>The account with this username (any case), or null.</summary>
    Task<StaffAccount?> FindAsync(string username, CancellationToken cancellationToken);

    /// <summary>Stores a new account with version 1, or returns null (and changes nothing) when the username is taken.</summary>
    Task<StaffAccount?> CreateAsync(StaffAccount account, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the stored account when its version still equals <paramref name="account"/>'s <see cref="StaffAccount.Version"/>,
    /// and returns it with the next version. Returns null when the account changed meanwhile or does not exist:
    /// read it again and reapply the change.
    /// </summary>
    Task<StaffAccount?> UpdateAsync(StaffAccount account, CancellationToken cancellationToken);

    /// <summary>Every account, ordered by username.</summary>
    Task<IReadOnlyList<StaffAccount>> ListAsync(CancellationToken cancellationToken);
}
