using System.Security.Cryptography;
using System.Text;
using Microsoft.Bot.Builder;
using Microsoft.Extensions.Options;
using SafetyBot.Core.Conversations;
using SafetyBot.Core.Storage;
using StackExchange.Redis;

namespace SafetyBot.Redis;

/// <summary>
/// Bot Builder <see cref="IStorage"/> on Redis with ETag compare-and-set in one Lua script per key:
/// <c>*</c> overwrites, a stale or empty ETag on an existing key fails, every write gets a new ETag, and
/// every key expires after the retention period. Keys are hashed, so Redis never holds a raw channel id. A
/// conversation's state shares the hash tag of its conversation key with its turn lease and transcript, so a turn
/// can begin and end in one script each (<see cref="RedisTurnStore"/>).
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
            if ((Decode(values[i][0], values[i][1]) ?? (await ReadLegacyAsync(keys[i]).ConfigureAwait(false)).Value) is { } value)
            {
                result[keys[i]] = value;
            }
        }

        return result;
    }

    /// <summary>
    /// A conversation's state as it was stored before state keys shared their conversation's hash tag (under a hash of
    /// the storage key), with that key; null when there is none. Such keys run out with the retention period.
    /// </summary>
    public async Task<(RedisKey Key, object? Value)> ReadLegacyAsync(string key)
    {
        var legacy = HashedKeyFor(key);
        if (legacy == RedisKeyFor(key))
        {
            return (legacy, null);
        }

        var fields = await redis.Database.HashGetAsync(legacy, ["e", "v"]).ConfigureAwait(false);
        return (legacy, Decode(fields[0], fields[1]));
    }

    /// <summary>A stored value from its ETag and JSON fields (null when there is none).</summary>
    public static object? Decode(RedisValue etag, RedisValue json)
    {
        if (json.IsNull || StoreItemSerializer.Deserialize(json.ToString()) is not { } value)
        {
            return null;
        }

        if (value is IStoreItem item)
        {
            item.ETag = etag.ToString();
        }

        return value;
    }

    /// <summary>The arguments of a checked write of <paramref name="value"/>: whether to check, the ETag expected, a new ETag and the JSON.</summary>
    public static (string Checked, string Expected, string ETag, string Json) Encode(object value)
    {
        var item = value as IStoreItem;
        return (item is null ? "0" : "1", item?.ETag ?? string.Empty, NewETag(), StoreItemSerializer.Serialize(value));
    }

    public async Task WriteAsync(IDictionary<string, object> changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var db = redis.Database;
        var ttl = (long)retention.Value.Conversation.TotalMilliseconds;
        foreach (var (key, value) in changes)
        {
            ArgumentNullException.ThrowIfNull(value, nameof(changes));
            var (check, expected, etag, json) = Encode(value);
            var written = (long)await WriteScript.EvaluateAsync(db, new
            {
                key = RedisKeyFor(key),
                @checked = check,
                expected,
                etag,
                value = json,
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
        // The key as stored before state keys shared their conversation's hash tag goes too: erase leaves nothing.
        await Task.WhenAll(keys.SelectMany(k => new[] { RedisKeyFor(k), HashedKeyFor(k) }).Distinct().Select(k => db.KeyDeleteAsync(k))).ConfigureAwait(false);
    }

    /// <summary>
    /// The Redis key of a storage key. A conversation's state (Bot Builder's <c>channel/conversations/id</c>) is in
    /// its conversation's hash slot, named by its <see cref="ConversationKey"/>; any other key by a hash of itself.
    /// </summary>
    public RedisKey RedisKeyFor(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var at = key.IndexOf(ConversationsSegment, StringComparison.Ordinal);
        if (at > 0 && at + ConversationsSegment.Length < key.Length)
        {
            return StateKeyFor(ConversationKey.For(key[..at], key[(at + ConversationsSegment.Length)..]));
        }

        return HashedKeyFor(key);
    }

    private RedisKey HashedKeyFor(string key)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        return redis.Key("st:{" + Convert.ToHexStringLower(hash[..16]) + "}");
    }

    /// <summary>The Redis key of a conversation's state.</summary>
    public RedisKey StateKeyFor(ConversationKey conversation) => redis.Key("st:{" + conversation.Value + "}");

    private const string ConversationsSegment = "/conversations/";

    private static string NewETag() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
