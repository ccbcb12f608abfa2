using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SafetyBot.Core.Handoff;
using SafetyBot.Core.Storage;
using StackExchange.Redis;

namespace SafetyBot.Redis;

/// <summary>
/// The hotline's waiting room in Redis, shared by every host. Waiting entries are a sorted set ordered by band,
/// then by arrival (crisis first, first come first served within a band); claims are a sorted set of lease
/// expiries; each entry's details are a hash. Every change is one Lua script, so a claim is atomic across hosts,
/// and a claim whose holder stops renewing it returns to its old place (or, handed out too often, becomes a
/// dead letter). Changes are announced on a pub/sub channel, so every host's console updates at once.
/// All keys share one hash tag. Conversations appear in key names and set members only as a hash, and each
/// entry expires with the conversation's retention.
/// </summary>
public sealed class RedisWaitingRoom : IWaitingRoom, IDisposable
{
    private const double BandWidth = 1e13;

    private static readonly LuaScript Enqueue = LuaScript.Prepare("""
        local state = redis.call('HGET', @entry, 'state')
        if state == 'waiting' then return redis.call('ZRANK', @waiting, @member) + 1 end
        if state == 'claimed' then return 0 end
        redis.call('ZREM', @dead, @member)
        redis.call('DEL', @entry)
        redis.call('HSET', @entry, 'json', @json, 'state', 'waiting', 'score', @score, 'deliveries', 0)
        redis.call('PEXPIRE', @entry, @retention)
        redis.call('ZADD', @waiting, @score, @member)
        local position = redis.call('ZRANK', @waiting, @member) + 1
        redis.call('HSET', @entry, 'told', position)
        redis.call('PUBLISH', @channel, '1')
        return position
        """);

    private static readonly LuaScript Claim = LuaScript.Prepare("""
        if redis.call('ZREM', @waiting, @member) == 1 then
          redis.call('HSET', @entry, 'state', 'claimed', 'agent', @agent, 'lease', @until)
          redis.call('HINCRBY', @entry, 'deliveries', 1)
          redis.call('ZADD', @claimed, @until, @member)
          redis.call('PUBLISH', @channel, '1')
          return 'won'
        end
        if redis.call('HGET', @entry, 'state') == 'claimed' then
          return 'taken:' .. (redis.call('HGET', @entry, 'agent') or '')
        end
        return 'gone'
        """);

    private static readonly LuaScript ClaimNext = LuaScript.Prepare("""
        local first = redis.call('ZRANGE', @waiting, 0, 0)[1]
        if not first then return false end
        local entry = @entryPrefix .. first
        redis.call('ZREM', @waiting, first)
        redis.call('HSET', entry, 'state', 'claimed', 'agent', @agent, 'lease', @until)
        redis.call('HINCRBY', entry, 'deliveries', 1)
        redis.call('ZADD', @claimed, @until, first)
        redis.call('PUBLISH', @channel, '1')
        return redis.call('HGET', entry, 'json')
        """);

    private static readonly LuaScript Renew = LuaScript.Prepare("""
        if redis.call('HGET', @entry, 'state') == 'claimed' and redis.call('HGET', @entry, 'agent') == @agent then
          redis.call('HSET', @entry, 'lease', @until)
          redis.call('ZADD', @claimed, @until, @member)
          return 1
        end
        return 0
        """);

    private static readonly LuaScript Release = LuaScript.Prepare("""
        if redis.call('HGET', @entry, 'state') == 'claimed' and redis.call('HGET', @entry, 'agent') == @agent then
          redis.call('ZREM', @claimed, @member)
          redis.call('ZADD', @waiting, redis.call('HGET', @entry, 'score'), @member)
          redis.call('HSET', @entry, 'state', 'waiting')
          redis.call('HDEL', @entry, 'agent', 'lease')
          return 1
        end
        return 0
        """);

    private static readonly LuaScript Remove = LuaScript.Prepare("""
        redis.call('ZREM', @waiting, @member)
        redis.call('ZREM', @claimed, @member)
        redis.call('ZREM', @dead, @member)
        local removed = redis.call('DEL', @entry)
        if removed == 1 then redis.call('PUBLISH', @channel, '1') end
        return removed
        """);

    private static readonly LuaScript Reclaim = LuaScript.Prepare("""
        local expired = redis.call('ZRANGEBYSCORE', @claimed, '-inf', @now, 'LIMIT', 0, 200)
        for _, member in ipairs(expired) do
          local entry = @entryPrefix .. member
          redis.call('ZREM', @claimed, member)
          if redis.call('EXISTS', entry) == 0 then
            -- its retention ran out: nothing left to hand out
          elseif tonumber(redis.call('HGET', entry, 'deliveries') or '0') >= tonumber(@max) then
            redis.call('HDEL', entry, 'agent', 'lease')
            redis.call('HSET', entry, 'state', 'dead')
            redis.call('ZADD', @dead, @now, member)
          else
            redis.call('HDEL', entry, 'agent', 'lease')
            redis.call('HSET', entry, 'state', 'waiting')
            redis.call('ZADD', @waiting, redis.call('HGET', entry, 'score'), member)
          end
        end
        return expired
        """);

    private static readonly LuaScript Escalate = LuaScript.Prepare("""
        local score = tonumber(redis.call('HGET', @entry, 'score'))
        if not score then return 0 end
        local escalated = tonumber(@band) * tonumber(@width) + (score % tonumber(@width))
        if escalated >= score then return 0 end
        redis.call('HSET', @entry, 'score', escalated, 'band', @band)
        if redis.call('HGET', @entry, 'state') == 'waiting' then redis.call('ZADD', @waiting, escalated, @member) end
        return 1
        """);

    private static readonly LuaScript Lead = LuaScript.Prepare("""
        if redis.call('SET', @key, @holder, 'NX', 'PX', @ttl) then return 1 end
        if redis.call('GET', @key) == @holder then redis.call('PEXPIRE', @key, @ttl) return 1 end
        return 0
        """);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly RedisConnection _redis;
    private readonly TimeProvider _clock;
    private readonly RedisChannel _channel;
    private readonly string _channelName;
    private readonly RedisKey _waiting;
    private readonly RedisKey _claimed;
    private readonly RedisKey _dead;
    private readonly RedisKey _presence;
    private readonly string _entryPrefix;
    private readonly TimeSpan _retention;

    public RedisWaitingRoom(RedisConnection redis, TimeProvider clock, IOptions<RetentionOptions> retention)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(retention);
        _retention = retention.Value.Conversation;
        _redis = redis;
        _clock = clock;
        _waiting = redis.Key("handoff:{q}:waiting");
        _claimed = redis.Key("handoff:{q}:claimed");
        _dead = redis.Key("handoff:{q}:dead");
        _presence = redis.Key("handoff:{q}:presence");
        _entryPrefix = redis.Prefix + "handoff:{q}:entry:";
        _channelName = redis.Prefix + "handoff:changed";
        _channel = RedisChannel.Literal(_channelName);
        redis.Subscribe(_channel, (_, _) => Changed?.Invoke());
    }

    public event Action? Changed;

    public async ValueTask<int> EnqueueAsync(WaitingEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var score = ((int)entry.Band * BandWidth) + entry.EnqueuedAt.ToUnixTimeMilliseconds();
        var position = (int)await _redis.Database.ScriptEvaluateAsync(Enqueue, new
        {
            entry = EntryKey(entry.Conversation), waiting = _waiting, dead = _dead, member = Member(entry.Conversation),
            score, json = JsonSerializer.Serialize(entry, Json), retention = (long)_retention.TotalMilliseconds, channel = _channelName,
        }).ConfigureAwait(false);
        return position;
    }

    public ValueTask<WaitingStatus?> FindAsync(string conversation, CancellationToken cancellationToken = default) =>
        FindByIdAsync(Member(conversation), cancellationToken);

    public async ValueTask<WaitingStatus?> FindByIdAsync(string id, CancellationToken cancellationToken = default)
    {
        var db = _redis.Database;
        var fields = await db.HashGetAllAsync(_entryPrefix + id).ConfigureAwait(false);
        if (fields.Length == 0)
        {
            return null;
        }

        var rank = await db.SortedSetRankAsync(_waiting, id).ConfigureAwait(false);
        return StatusOf(fields, rank is null ? null : (int)rank + 1);
    }

    public async ValueTask<IReadOnlyList<WaitingStatus>> ListAsync(CancellationToken cancellationToken = default)
    {
        var db = _redis.Database;
        var waiting = await db.SortedSetRangeByRankAsync(_waiting).ConfigureAwait(false);
        var claimed = await db.SortedSetRangeByRankAsync(_claimed).ConfigureAwait(false);
        var dead = await db.SortedSetRangeByRankAsync(_dead).ConfigureAwait(false);
        var members = waiting.Concat(claimed).Concat(dead).Select(m => (string)m!).ToList();
        var batch = db.CreateBatch();
        var reads = members.Select(m => batch.HashGetAllAsync(_entryPrefix + m)).ToList();
        batch.Execute();
        var entries = await Task.WhenAll(reads).ConfigureAwait(false);
        var result = new List<WaitingStatus>(members.Count);
        for (var i = 0; i < members.Count; i++)
        {
            if (entries[i].Length > 0 && StatusOf(entries[i], i < waiting.Length ? i + 1 : null) is { } status)
            {
                result.Add(status);
            }
        }

        return result;
    }

    public async ValueTask<ClaimResult> ClaimAsync(string conversation, string agent, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        var result = (string?)await _redis.Database.ScriptEvaluateAsync(Claim, new
        {
            entry = EntryKey(conversation), waiting = _waiting, claimed = _claimed, member = Member(conversation), agent,
            until = (_clock.GetUtcNow() + lease).ToUnixTimeMilliseconds(), channel = _channelName,
        }).ConfigureAwait(false);
        if (result == "won")
        {
            return new ClaimResult(ClaimOutcome.Won, agent);
        }

        return result?.StartsWith("taken:", StringComparison.Ordinal) == true
            ? new ClaimResult(ClaimOutcome.TakenByOther, result["taken:".Length..])
            : new ClaimResult(ClaimOutcome.Gone, null);
    }

    public async ValueTask<WaitingEntry?> ClaimNextAsync(string agent, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        var json = (string?)await _redis.Database.ScriptEvaluateAsync(ClaimNext, new
        {
            waiting = _waiting, claimed = _claimed, entryPrefix = _entryPrefix, agent,
            until = (_clock.GetUtcNow() + lease).ToUnixTimeMilliseconds(), channel = _channelName,
        }).ConfigureAwait(false);
        return json is null ? null : JsonSerializer.Deserialize<WaitingEntry>(json, Json);
    }

    public async ValueTask<bool> RenewAsync(string conversation, string agent, TimeSpan lease, CancellationToken cancellationToken = default) =>
        (int)await _redis.Database.ScriptEvaluateAsync(Renew, new
        {
            entry = EntryKey(conversation), claimed = _claimed, member = Member(conversation), agent,
            until = (_clock.GetUtcNow() + lease).ToUnixTimeMilliseconds(),
        }).ConfigureAwait(false) == 1;

    public async ValueTask<bool> ReleaseAsync(string conversation, string agent, CancellationToken cancellationToken = default)
    {
        var released = (int)await _redis.Database.ScriptEvaluateAsync(Release, new
        {
            entry = EntryKey(conversation), waiting = _waiting, claimed = _claimed, member = Member(conversation), agent,
        }).ConfigureAwait(false) == 1;
        if (released)
        {
            await NotifyAsync().ConfigureAwait(false);
        }

        return released;
    }

    public async ValueTask<bool> RemoveAsync(string conversation, CancellationToken cancellationToken = default)
    {
        return (int)await _redis.Database.ScriptEvaluateAsync(Remove, new
        {
            entry = EntryKey(conversation), waiting = _waiting, claimed = _claimed, dead = _dead, member = Member(conversation), channel = _channelName,
        }).ConfigureAwait(false) == 1;
    }

    public async ValueTask<IReadOnlyList<string>> ReclaimExpiredAsync(int maxDeliveries, CancellationToken cancellationToken = default)
    {
        var result = await _redis.Database.ScriptEvaluateAsync(Reclaim, new
        {
            waiting = _waiting, claimed = _claimed, dead = _dead, entryPrefix = _entryPrefix,
            now = _clock.GetUtcNow().ToUnixTimeMilliseconds(), max = maxDeliveries,
        }).ConfigureAwait(false);
        var members = ((RedisResult[]?)result ?? []).Select(r => (string)r!).ToList();
        var moved = new List<string>(members.Count);
        foreach (var member in members)
        {
            if (StatusOf(await _redis.Database.HashGetAllAsync(_entryPrefix + member).ConfigureAwait(false), null) is { } status)
            {
                moved.Add(status.Entry.Conversation);
            }
        }

        if (moved.Count > 0)
        {
            await NotifyAsync().ConfigureAwait(false);
        }

        return moved;
    }

    public async ValueTask SetPresenceAsync(string agent, bool online, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        var db = _redis.Database;
        if (online)
        {
            await db.SortedSetAddAsync(_presence, agent, (_clock.GetUtcNow() + ttl).ToUnixTimeMilliseconds()).ConfigureAwait(false);
        }
        else
        {
            await db.SortedSetRemoveAsync(_presence, agent).ConfigureAwait(false);
        }

        await NotifyAsync().ConfigureAwait(false);
    }

    public async ValueTask<int> StaffOnlineAsync(CancellationToken cancellationToken = default) =>
        (int)await _redis.Database.SortedSetLengthAsync(_presence, _clock.GetUtcNow().ToUnixTimeMilliseconds() + 1, double.PositiveInfinity).ConfigureAwait(false);

    public async ValueTask<bool> EscalateAsync(string conversation, PriorityBand band, CancellationToken cancellationToken = default)
    {
        var escalated = (int)await _redis.Database.ScriptEvaluateAsync(Escalate, new
        {
            entry = EntryKey(conversation), waiting = _waiting, member = Member(conversation), band = (int)band, width = BandWidth,
        }).ConfigureAwait(false) == 1;
        if (escalated)
        {
            await NotifyAsync().ConfigureAwait(false);
        }

        return escalated;
    }

    public async ValueTask MarkToldAsync(string conversation, int position, CancellationToken cancellationToken = default)
    {
        // Only an entry that still exists is marked (HSET on a missing key would create one without its details).
        var key = EntryKey(conversation);
        var transaction = _redis.Database.CreateTransaction();
        transaction.AddCondition(Condition.KeyExists(key));
        _ = transaction.HashSetAsync(key, "told", position);
        await transaction.ExecuteAsync().ConfigureAwait(false);
    }

    public async ValueTask<bool> TryLeadAsync(string holder, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        (int)await _redis.Database.ScriptEvaluateAsync(Lead, new { key = _redis.Key("handoff:{q}:leader"), holder, ttl = (long)ttl.TotalMilliseconds }).ConfigureAwait(false) == 1;

    public void Dispose() => _redis.Multiplexer.GetSubscriber().Unsubscribe(_channel);

    private RedisKey EntryKey(string conversation) => _entryPrefix + Member(conversation);

    /// <summary>A conversation as it appears in key names and sets: its public hotline id, never the channel's id.</summary>
    private static string Member(string conversation) => HotlineIds.Of(conversation);

    private Task<long> NotifyAsync() => _redis.Multiplexer.GetSubscriber().PublishAsync(_channel, "1");

    private static WaitingStatus? StatusOf(HashEntry[] fields, int? position)
    {
        var map = fields.ToDictionary(f => (string)f.Name!, f => f.Value);
        if (!map.TryGetValue("json", out var json) || JsonSerializer.Deserialize<WaitingEntry>((string)json!, Json) is not { } entry)
        {
            return null;
        }

        var state = (string?)map.GetValueOrDefault("state") ?? WaitingStates.Waiting;
        if ((int?)map.GetValueOrDefault("band") is { } band)
        {
            entry = entry with { Band = (PriorityBand)band };
        }

        var lease = map.TryGetValue("lease", out var until) && long.TryParse((string?)until, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : (DateTimeOffset?)null;
        return new WaitingStatus(entry, state, (string?)map.GetValueOrDefault("agent"), (int?)map.GetValueOrDefault("deliveries") ?? 0, lease,
            state == WaitingStates.Waiting ? position : null)
        {
            Told = (int?)map.GetValueOrDefault("told"),
        };
    }
}
