using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Options;
using SafetyBot.Core.Delivery;
using SafetyBot.Core.Storage;
using StackExchange.Redis;

namespace SafetyBot.Redis;

/// <summary>Delivery queues in Redis, shared by every host: nothing waiting is lost when a host stops.</summary>
public sealed class RedisPostboxes(RedisConnection redis, TimeProvider clock, IOptions<RetentionOptions> retention) : IPostboxes
{
    private readonly ConcurrentDictionary<string, RedisPostbox> _queues = new(StringComparer.Ordinal);

    public IPostbox Open(string name, DeliveryPacing pacing) =>
        _queues.GetOrAdd(name, n => new RedisPostbox(redis, n, pacing, clock, retention.Value.Conversation));
}

/// <summary>
/// One queue. Each line is a list of entries (<c>u</c> or <c>o</c>, the item id, the sealed payload); lines due are
/// in one of two sorted sets by due time (urgent lines, the rest), lines whose first item is out are in a sorted set
/// of lease expiries, and a sliding window of the last second's hand-outs keeps the rate over every host. Every change is one Lua script; all
/// keys share one hash tag. Lines are named by a hash, and expire with the conversation's retention.
/// </summary>
public sealed class RedisPostbox : IPostbox
{
    // Puts a line in the schedule its first item belongs to (urgent or ordinary), or in none when it is empty.
    private const string Schedule = """
        local function schedule(ready, urgent, line, id, ordinaryAt, urgentAt)
          redis.call('ZREM', ready, id)
          redis.call('ZREM', urgent, id)
          local head = redis.call('LINDEX', line, 0)
          if not head then return end
          -- lines due in the same millisecond keep the order they were scheduled in
          local tie = (redis.call('INCR', (string.gsub(ready, 'ready$', 'seq'))) % 4096) / 4096
          if string.sub(head, 1, 1) == 'u' then redis.call('ZADD', urgent, urgentAt + tie, id)
          else redis.call('ZADD', ready, ordinaryAt + tie, id) end
        end
        local function record(ids, now, message, lifetime)
          redis.call('ZADD', ids, now, message)
          redis.call('ZREMRANGEBYSCORE', ids, '-inf', now - lifetime)
          redis.call('PEXPIRE', ids, lifetime)
        end

        """;

    // KEYS: line, ids, ready, urgent, leased, gap, receipt. ARGV: id, now, retention, has receipt, receipt ttl,
    // received id, id lifetime, channel, entries…
    private const string AddScript = Schedule + """
        if ARGV[4] == '1' and not redis.call('SET', KEYS[7], '1', 'NX', 'PX', ARGV[5]) then return 0 end
        local now = tonumber(ARGV[2])
        if ARGV[6] ~= '' then record(KEYS[2], now, ARGV[6], tonumber(ARGV[7])) end
        if #ARGV < 9 then return 1 end
        for i = #ARGV, 9, -1 do
          if string.sub(ARGV[i], 1, 1) == 'u' then redis.call('LPUSH', KEYS[1], ARGV[i]) end
        end
        for i = 9, #ARGV do
          if string.sub(ARGV[i], 1, 1) ~= 'u' then redis.call('RPUSH', KEYS[1], ARGV[i]) end
        end
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        if not redis.call('ZSCORE', KEYS[5], ARGV[1]) then
          -- a line already scheduled keeps its place, unless an urgent item now leads it
          if string.sub(redis.call('LINDEX', KEYS[1], 0), 1, 1) == 'u' then
            if not redis.call('ZSCORE', KEYS[4], ARGV[1]) then schedule(KEYS[3], KEYS[4], KEYS[1], ARGV[1], now, now) end
          elseif not redis.call('ZSCORE', KEYS[3], ARGV[1]) then
            schedule(KEYS[3], KEYS[4], KEYS[1], ARGV[1], now + math.max(0, redis.call('PTTL', KEYS[6])), now)
          end
        end
        redis.call('PUBLISH', ARGV[8], '1')
        return 1
        """;

    // A hand-out counts in the rate window until a window after it left its lease (Telegram counts a message when it
    // arrives, which may be well after it was taken).
    private const string Restamp = """
        local function restamp(rate, handout, now, window)
          if handout ~= '' then
            redis.call('ZADD', rate, now, handout)
            redis.call('PEXPIRE', rate, 2 * window)
          end
        end

        """;

    // Takes the first item of the line due first. The rate is a sliding window: never more than the limit in any window.
    // Returns {line, entry, hand-out}, or {'', ms until something may be due (-1: nothing waits)}.
    private const string Take = """
        local function take(ready, urgent, leased, rate, seq, now, limit, reserve, leaseMs, prefix, window, burst, spacing)
          for _, id in ipairs(redis.call('ZRANGEBYSCORE', leased, '-inf', now, 'LIMIT', 0, 100)) do
            redis.call('ZREM', leased, id)
            schedule(ready, urgent, prefix .. id, id, now, now)
          end
          local used = 0
          if limit > 0 then
            redis.call('ZREMRANGEBYSCORE', rate, '-inf', now - window)
            used = redis.call('ZCARD', rate)
          end
          local pick
          local u = redis.call('ZRANGEBYSCORE', urgent, '-inf', '(' .. (now + 1), 'LIMIT', 0, 1)[1]
          if u and (limit == 0 or used < limit) then
            pick = u
            redis.call('ZREM', urgent, pick)
          else
            local r = redis.call('ZRANGEBYSCORE', ready, '-inf', '(' .. (now + 1), 'LIMIT', 0, 1)[1]
            -- ordinary items are also spread over the window (at most a small burst at a time), so an urgent one
            -- always finds room within a fraction of it
            if r and (limit == 0 or (used < limit - reserve
                and redis.call('ZCOUNT', rate, '(' .. (now - spacing), '+inf') < burst)) then
              pick = r
              redis.call('ZREM', ready, pick)
            end
          end
          if not pick then
            local next = false
            for _, key in ipairs({ready, urgent, leased}) do
              local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
              if first[2] and (not next or tonumber(first[2]) < next) then next = tonumber(first[2]) end
            end
            if not next then return {'', -1} end
            local wait = math.ceil(next - now)
            if wait <= 1 then
              -- something is due but the rate holds it back: wait until the oldest hand-out leaves the window, or
              -- (ordinary items spread out) until the last burst leaves the spacing
              local at
              if used >= limit - reserve then
                at = tonumber(redis.call('ZRANGE', rate, 0, 0, 'WITHSCORES')[2] or now) + window
              else
                at = tonumber(redis.call('ZRANGE', rate, -burst, -burst, 'WITHSCORES')[2] or now) + spacing
              end
              wait = math.max(1, math.ceil(at - now))
            end
            return {'', wait}
          end
          local head = redis.call('LINDEX', prefix .. pick, 0)
          if not head then return {'', 0} end
          redis.call('ZADD', leased, now + leaseMs, pick)
          local handout = ''
          if limit > 0 then
            handout = now .. ':' .. redis.call('INCR', seq)
            redis.call('ZADD', rate, now, handout)
            redis.call('PEXPIRE', rate, 2 * window)
          end
          return {pick, head, handout}
        end

        """;

    // Removes a delivered item (0: the line was cleared meanwhile), records the sent id and spaces the line.
    private const string Complete = """
        local function complete(line, ids, ready, urgent, leased, gap, rate, id, item, now, perLine, sent, idLifetime, handout, window)
          redis.call('ZREM', leased, id)
          restamp(rate, handout, now, window)
          local head = redis.call('LINDEX', line, 0)
          if head and string.sub(head, 2, 17) == item then
            redis.call('LPOP', line)
          else
            local found = false
            for _, entry in ipairs(redis.call('LRANGE', line, 1, 99)) do
              if string.sub(entry, 2, 17) == item then
                redis.call('LREM', line, 1, entry)
                found = true
                break
              end
            end
            if not found then return 0 end
          end
          if sent ~= '' then record(ids, now, sent, idLifetime) end
          if perLine > 0 then redis.call('SET', gap, '1', 'PX', perLine) end
          schedule(ready, urgent, line, id, now + perLine, now)
          return 1
        end

        """;

    // KEYS: ready, urgent, leased, rate, seq. ARGV: now, per second, urgent reserve, lease ms, line key prefix, window ms,
    // ordinary burst, ordinary spacing ms.
    private const string TakeScript = Schedule + Take + """
        return take(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]),
          tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]))
        """;

    // KEYS: line, ids, ready, urgent, leased, gap, rate. ARGV: id, item id, now, per line ms, sent id, id lifetime,
    // hand-out, window ms.
    private const string CompleteScript = Schedule + Restamp + Complete + """
        return complete(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], ARGV[1], ARGV[2], tonumber(ARGV[3]),
          tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6]), ARGV[7], tonumber(ARGV[8]))
        """;

    // A sender's usual step, in one round trip: complete what it sent and take the next item.
    // KEYS: line, ids, ready, urgent, leased, gap, rate, seq. ARGV: CompleteScript's, then TakeScript's from per second on.
    private const string CompleteAndTakeScript = Schedule + Restamp + Complete + Take + """
        local now = tonumber(ARGV[3])
        local done = complete(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], ARGV[1], ARGV[2], now,
          tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6]), ARGV[7], tonumber(ARGV[8]))
        local next = take(KEYS[3], KEYS[4], KEYS[5], KEYS[7], KEYS[8], now, tonumber(ARGV[9]), tonumber(ARGV[10]),
          tonumber(ARGV[11]), ARGV[12], tonumber(ARGV[13]), tonumber(ARGV[14]), tonumber(ARGV[15]))
        return {done, next[1], next[2], next[3] or ''}
        """;

    // KEYS: line, ready, urgent, leased, rate. ARGV: id, at, hand-out, now, window ms.
    private const string RetryScript = Schedule + Restamp + """
        restamp(KEYS[5], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]))
        if redis.call('ZREM', KEYS[4], ARGV[1]) == 0 then return 0 end
        schedule(KEYS[2], KEYS[3], KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[2]))
        return 1
        """;

    // KEYS: receipts. Returns 1 for each that is there, else 0.
    private const string ReceiptsScript = """
        local found = {}
        for i, key in ipairs(KEYS) do found[i] = redis.call('EXISTS', key) end
        return found
        """;

    // KEYS: line, ids, ready, urgent, leased, gap. ARGV: id, since.
    private const string ClearScript = """
        local ids = redis.call('ZRANGEBYSCORE', KEYS[2], ARGV[2], '+inf')
        redis.call('DEL', KEYS[1], KEYS[2], KEYS[6])
        redis.call('ZREM', KEYS[3], ARGV[1])
        redis.call('ZREM', KEYS[4], ARGV[1])
        redis.call('ZREM', KEYS[5], ARGV[1])
        return ids
        """;

    private static readonly RedisScript Add = new(AddScript);
    private static readonly RedisScript Receipts = new(ReceiptsScript);
    private static readonly RedisScript TakeOne = new(TakeScript);
    private static readonly RedisScript CompleteOne = new(CompleteScript);
    private static readonly RedisScript CompleteAndTake = new(CompleteAndTakeScript);
    private static readonly RedisScript Retry = new(RetryScript);
    private static readonly RedisScript Clear = new(ClearScript);

    private static readonly long IdLifetime = (long)Postboxes.ReceiptLifetime.TotalMilliseconds;

    private readonly RedisConnection _redis;
    private readonly TimeProvider _clock;
    private readonly long _retention;
    private readonly string _prefix;
    private readonly RedisKey _ready;
    private readonly RedisKey _urgent;
    private readonly RedisKey _leased;
    private readonly RedisKey _rate;
    private readonly RedisKey _seq;
    private readonly string _channel;

    public RedisPostbox(RedisConnection redis, string name, DeliveryPacing pacing, TimeProvider clock, TimeSpan retention)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _redis = redis;
        _clock = clock;
        Name = name;
        Pacing = pacing;
        _retention = (long)retention.TotalMilliseconds;
        _prefix = redis.Prefix + "dq:{" + name + "}:";
        _ready = _prefix + "ready";
        _urgent = _prefix + "urgent";
        _leased = _prefix + "leased";
        _rate = _prefix + "rate";
        _seq = _prefix + "seq";
        _channel = redis.Prefix + "dq:" + name + ":added";
        redis.Subscribe(RedisChannel.Literal(_channel), (_, _) => Added?.Invoke());
    }

    public string Name { get; }

    public DeliveryPacing Pacing { get; }

    public event Action? Added;

    public async Task<bool> AddAsync(string line, IReadOnlyList<DeliveryItem> items, string? receipt = null, long? receivedId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        var id = Postboxes.LineId(line);
        var args = new RedisValue[8 + items.Count];
        args[0] = id;
        args[1] = Now();
        args[2] = _retention;
        args[3] = receipt is null ? "0" : "1";
        args[4] = (long)Postboxes.ReceiptLifetime.TotalMilliseconds;
        args[5] = receivedId?.ToString(CultureInfo.InvariantCulture) ?? string.Empty;
        args[6] = IdLifetime;
        args[7] = _channel;
        for (var i = 0; i < items.Count; i++)
        {
            args[8 + i] = Entry(items[i]);
        }

        var added = (long)await Add.EvaluateAsync(_redis.Database,
            [LineKey(id), IdsKey(id), _ready, _urgent, _leased, GapKey(id), ReceiptKey(receipt ?? string.Empty)], args).ConfigureAwait(false);
        return added == 1;
    }

    public async Task<bool[]> HaveReceiptsAsync(IReadOnlyList<string> receipts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(receipts);
        switch (receipts.Count)
        {
            case 0:
                return [];
            case 1:
                return [await _redis.Database.KeyExistsAsync(ReceiptKey(receipts[0])).ConfigureAwait(false)];
            default:
                var found = (long[])(await Receipts.EvaluateAsync(_redis.Database, [.. receipts.Select(ReceiptKey)]).ConfigureAwait(false))!;
                return [.. found.Select(f => f == 1)];
        }
    }

    public async Task<DeliveryTake> TakeAsync(CancellationToken cancellationToken = default)
    {
        var result = (RedisResult[])(await TakeOne.EvaluateAsync(_redis.Database,
            [_ready, _urgent, _leased, _rate, _seq], [Now(), .. TakeArguments()]).ConfigureAwait(false))!;
        return ReadTake(result, 0);
    }

    public async Task<bool> CompleteAsync(DeliveryLease lease, long? sentId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var id = lease.Line;
        var done = (long)await CompleteOne.EvaluateAsync(_redis.Database,
            [LineKey(id), IdsKey(id), _ready, _urgent, _leased, GapKey(id), _rate], CompleteArguments(lease, sentId, Now())).ConfigureAwait(false);
        return done == 1;
    }

    public async Task<(bool Completed, DeliveryTake Next)> CompleteAndTakeAsync(DeliveryLease lease, long? sentId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var id = lease.Line;
        var result = (RedisResult[])(await CompleteAndTake.EvaluateAsync(_redis.Database,
            [LineKey(id), IdsKey(id), _ready, _urgent, _leased, GapKey(id), _rate, _seq],
            [.. CompleteArguments(lease, sentId, Now()), .. TakeArguments()]).ConfigureAwait(false))!;
        return ((long)result[0] == 1, ReadTake(result, 1));
    }

    // ARGV of TakeScript after "now".
    private RedisValue[] TakeArguments() =>
        [Pacing.PerSecond, Pacing.UrgentReserve, (long)Pacing.Lease.TotalMilliseconds, _prefix + "line:", (long)Pacing.RateWindow.TotalMilliseconds,
            Pacing.OrdinaryBurst, (long)Pacing.OrdinarySpacing.TotalMilliseconds];

    private RedisValue[] CompleteArguments(DeliveryLease lease, long? sentId, long now) =>
        [lease.Line, lease.Item.Id, now, (long)Pacing.PerLine.TotalMilliseconds, sentId?.ToString(CultureInfo.InvariantCulture) ?? string.Empty, IdLifetime,
            lease.HandOut ?? string.Empty, (long)Pacing.RateWindow.TotalMilliseconds];

    // A take's result from offset on: {line, entry, hand-out} or {'', wait ms (-1: nothing waits)}.
    private static DeliveryTake ReadTake(RedisResult[] result, int offset)
    {
        var line = (string)result[offset]!;
        if (line.Length == 0)
        {
            var wait = (long)result[offset + 1];
            return new DeliveryTake(null, wait < 0 ? null : TimeSpan.FromMilliseconds(wait));
        }

        var entry = (byte[])result[offset + 1]!;
        var item = new DeliveryItem(System.Text.Encoding.ASCII.GetString(entry, 1, DeliveryItem.IdLength), entry[0] == (byte)'u', entry[(1 + DeliveryItem.IdLength)..]);
        var handOut = (string?)result[offset + 2];
        return new DeliveryTake(new DeliveryLease(line, item, string.IsNullOrEmpty(handOut) ? null : handOut), null);
    }

    public async Task RetryAsync(DeliveryLease lease, TimeSpan after, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var id = lease.Line;
        var now = Now();
        await Retry.EvaluateAsync(_redis.Database, [LineKey(id), _ready, _urgent, _leased, _rate],
            [id, now + (long)after.TotalMilliseconds, lease.HandOut ?? string.Empty, now, (long)Pacing.RateWindow.TotalMilliseconds]).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<long>> ClearAsync(string line, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        var id = Postboxes.LineId(line);
        var ids = (RedisValue[])(await Clear.EvaluateAsync(_redis.Database,
            [LineKey(id), IdsKey(id), _ready, _urgent, _leased, GapKey(id)], [id, since.ToUnixTimeMilliseconds()]).ConfigureAwait(false))!;
        return ids.Select(v => (long)v).ToList();
    }

    public async Task<long> PendingLinesAsync(CancellationToken cancellationToken = default)
    {
        var db = _redis.Database;
        var counts = await Task.WhenAll(db.SortedSetLengthAsync(_ready), db.SortedSetLengthAsync(_urgent), db.SortedSetLengthAsync(_leased)).ConfigureAwait(false);
        return counts.Sum();
    }

    private long Now() => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    private RedisKey LineKey(string id) => _prefix + "line:" + id;

    private RedisKey IdsKey(string id) => _prefix + "ids:" + id;

    private RedisKey GapKey(string id) => _prefix + "gap:" + id;

    private RedisKey ReceiptKey(string receipt) => _prefix + "receipt:" + receipt;

    private static byte[] Entry(DeliveryItem item)
    {
        if (item.Id.Length != DeliveryItem.IdLength)
        {
            throw new ArgumentException($"Delivery item ids have {DeliveryItem.IdLength} characters.", nameof(item));
        }

        var entry = new byte[1 + DeliveryItem.IdLength + item.Payload.Length];
        entry[0] = item.Urgent ? (byte)'u' : (byte)'o';
        System.Text.Encoding.ASCII.GetBytes(item.Id, entry.AsSpan(1));
        item.Payload.CopyTo(entry, 1 + DeliveryItem.IdLength);
        return entry;
    }
}
