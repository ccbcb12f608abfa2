namespace SafetyBot.Core.Staff;

/// <summary>Staff accounts in this process's memory: for development and tests. They vanish when the process stops.</summary>
public sealed class InProcessStaffDirectory : IStaffDirectory
{
    private readonly Dictionary<string, StaffAccount> _accounts = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public Task<StaffAccount?> FindAsync(string username, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(username);
        lock (_lock)
        {
            return Task.FromResult(_accounts.GetValueOrDefault(StaffNames.Normalize(username)));
        }
    }

    public Task<StaffAccount?> CreateAsync(StaffAccount account, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        var stored = account with { Username = StaffNames.Normalize(account.Username), Version = 1 };
        lock (_lock)
        {
            return Task.FromResult(_accounts.TryAdd(stored.Username, stored) ? stored : null);
        }
    }

    public Task<StaffAccount?> UpdateAsync(StaffAccount account, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        var key = StaffNames.Normalize(account.Username);
        lock (_lock)
        {
            if (!_accounts.TryGetValue(key, out var current) || current.Version != account.Version || current.Id != account.Id)
            {
                return Task.FromResult<StaffAccount?>(null);
            }

            var stored = account with { Username = key, Version = current.Version + 1 };
            _accounts[key] = stored;
            return Task.FromResult<StaffAccount?>(stored);
        }
    }

    public Task<IReadOnlyList<StaffAccount>> ListAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<StaffAccount>>([.. _accounts.Values.OrderBy(a => a.Username, StringComparer.Ordinal)]);
        }
    }
}
