using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using SafetyBot.Core.Staff;
using StackExchange.Redis;

namespace SafetyBot.Redis;

/// <summary>
/// Staff accounts in Redis, shared by every host. Each account is a hash (<c>id</c>, <c>ver</c>, <c>json</c>)
/// and a set lists the usernames; all staff keys share the <c>{staff}</c> hash tag, so that creating an
/// account (hash and set) is one atomic script even on a cluster. Updates are compare-and-set on
/// <c>ver</c>. Accounts have no TTL: they live until removed.
/// </summary>
public sealed class RedisStaffDirectory(RedisConnection redis) : IStaffDirectory
{
    private static readonly LuaScript CreateScript = LuaScript.Prepare("""
        if redis.call('EXISTS', @account) == 1 then return 0 end
        redis.call('HSET', @account, 'id', @id, 'ver', 1, 'json', @json)
        redis.call('SADD', @names, @name)
        return 1
        """);

    private static readonly LuaScript UpdateScript = LuaScript.Prepare("""
        local stored = redis.call('HMGET', @account, 'id', 'ver')
        if not stored[2] or stored[1] ~= @id or tonumber(stored[2]) ~= tonumber(@expected) then return 0 end
        local next = tonumber(stored[2]) + 1
        redis.call('HSET', @account, 'ver', next, 'json', @json)
        return next
        """);

    private static readonly RedisValue[] Fields = ["ver", "json"];

    public RedisKey AccountKey(string username) => redis.Key("staff:{staff}:a:" + StaffNames.Normalize(username));

    public RedisKey NamesKey => redis.Key("staff:{staff}:names");

    public async Task<StaffAccount?> FindAsync(string username, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(username);
        var values = await redis.Database.HashGetAsync(AccountKey(username), Fields).ConfigureAwait(false);
        return Read(values);
    }

    public async Task<StaffAccount?> CreateAsync(StaffAccount account, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        var stored = account with { Username = StaffNames.Normalize(account.Username), Version = 1 };
        var created = (long)await CreateScript.EvaluateAsync(redis.Database, new
        {
            account = AccountKey(stored.Username),
            names = NamesKey,
            id = stored.Id,
            json = Serialize(stored),
            name = stored.Username,
        }).ConfigureAwait(false);
        return created == 1 ? stored : null;
    }

    public async Task<StaffAccount?> UpdateAsync(StaffAccount account, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        var stored = account with { Username = StaffNames.Normalize(account.Username) };
        var version = (long)await UpdateScript.EvaluateAsync(redis.Database, new
        {
            account = AccountKey(stored.Username),
            id = stored.Id,
            expected = stored.Version.ToString(CultureInfo.InvariantCulture),
            json = Serialize(stored),
        }).ConfigureAwait(false);
        return version == 0 ? null : stored with { Version = version };
    }

    public async Task<IReadOnlyList<StaffAccount>> ListAsync(CancellationToken cancellationToken)
    {
        var db = redis.Database;
        var names = await db.SetMembersAsync(NamesKey).ConfigureAwait(false);
        var reads = await Task.WhenAll(names.Select(n => db.HashGetAsync(AccountKey(n.ToString()), Fields))).ConfigureAwait(false);
        return [.. reads.Select(Read).OfType<StaffAccount>().OrderBy(a => a.Username, StringComparer.Ordinal)];
    }

    private static string Serialize(StaffAccount account) => JsonSerializer.Serialize(
        new StoredStaffAccount(account.Id, account.Username, StaffNames.RoleName(account.Role), account.PasswordHash,
            account.FailedAttempts, account.LockoutEnd, account.SecurityStamp, account.CreatedAt),
        StaffJsonContext.Default.StoredStaffAccount);

    private static StaffAccount? Read(RedisValue[] values)
    {
        if (values[0].IsNull || values[1].IsNull)
        {
            return null;
        }

        var stored = JsonSerializer.Deserialize(values[1].ToString(), StaffJsonContext.Default.StoredStaffAccount);
        if (stored is null || !StaffNames.TryParseRole(stored.Role, out var role))
        {
            return null;
        }

        return new StaffAccount(stored.Id, stored.Username, role, stored.PasswordHash, stored.FailedAttempts, stored.LockoutEnd,
            stored.SecurityStamp, stored.CreatedAt, (long)values[0]);
    }

    internal sealed record StoredStaffAccount(
        string Id,
        string Username,
        string Role,
        string PasswordHash,
        int FailedAttempts,
        DateTimeOffset? LockoutEnd,
        string SecurityStamp,
        DateTimeOffset CreatedAt);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RedisStaffDirectory.StoredStaffAccount))]
internal sealed partial class StaffJsonContext : JsonSerializerContext;
