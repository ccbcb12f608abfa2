using System.Security.Cryptography;
using System.Text;
using Microsoft.Bot.Builder;
using Microsoft.Extensions.Options;
using SafetyBot.Core.Storage;
using StackExchange.Redis;

namespace SafetyBot.Redis;

/// <summary>
/// Bot Builder <see cref="IStorage"/> on Redis with ETag compare-and-set in one Lua script per key:
/// <c>*</c> overwrites, a stale or empty ETag on an existing key fails, every write gets a new ETag, and
/// every key expires after the retention period. Keys are hashed, so Redis never holds a raw channel id.
/// </summary>
public sealed class RedisStorage(RedisConnection redis, IOptions<RetentionOptions> retention) : IStorage
{
    // ARGV[1]: expected ETag, '*' to overwrite, or '' with ARGV[4] = '0' for values without an ETag.
    private static readonly LuaScript WriteScript = LuaScript.Prepare("""
        local current = redis.call('HGET', @key, 'e')
        if @checked == '1' and @expected ~= '*' and current and current ~= @expected then
          return 0
        end
        redis.call('HSET', @key, 'e', @etag, 'v', @value)
        redis.call('PEXPIRE', @key, @ttl)
        return 1
        """);

    public async Task<IDictionary<string, object>> ReadAsync(string[] keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var db = redis.Database;
        var reads = keys.Select(k => db.HashGetAsync(RedisKeyFor(k), ["e", "v"])).ToArray();
        var values = await Task.WhenAll(reads).ConfigureAwait(false);
        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        for (var i = 0; i < keys.Length; i++)
        {
            var (etag, json) = (values[i][0], values[i][1]);
            if (json.IsNull)
            {
                continue;
            }

            var value = StoreItemSerializer.Deserialize(json.ToString());
            if (value is null)
            {
                continue;
            }

            if (value is IStoreItem item)
            {
                item.ETag = etag.ToString();
            }

            result[keys[i]] = value;
        }

        return result;
    }

    public async Task WriteAsync(IDictionary<string, object> changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var db = redis.Database;
        var ttl = (long)retention.Value.Conversation.TotalMilliseconds;
        foreach (var (key, value) in changes)
        {
            ArgumentNullException.ThrowIfNull(value, nameof(changes));
            var item = value as IStoreItem;
            var written = (long)await WriteScript.EvaluateAsync(db, new
            {
                key = RedisKeyFor(key),
                @checked = item is null ? "0" : "1",
                expected = item?.ETag ?? string.Empty,
                etag = NewETag(),
                value = StoreItemSerializer.Serialize(value),
                ttl,
            }).ConfigureAwait(false);
            if (written == 0)
            {
                throw new StorageConflictException(key);
            }
        }
    }

    public async Task DeleteAsync(string[] keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var db = redis.Database;
        await Task.WhenAll(keys.Select(k => db.KeyDeleteAsync(RedisKeyFor(k)))).ConfigureAwait(false);
    }

    /// <summary>The Redis key of a storage key: its own hash slot, and a hash of the caller's key.</summary>
    public RedisKey RedisKeyFor(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        return redis.Key("st:{" + Convert.ToHexStringLower(hash[..16]) + "}");
    }

    private static string NewETag() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
