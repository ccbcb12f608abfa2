using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using SafetyBot.Core.Conversations;
using SafetyBot.Core.Storage;
using SafetyBot.Core.Transcripts;
using StackExchange.Redis;

namespace SafetyBot.Redis;

/// <summary>
/// Turns on Redis. A turn holds its conversation with a lease (SET NX PX, renewed while the turn runs, let go only by
/// its holder; a host that dies holding it loses it when the lease runs out) and reads the conversation's state in the
/// same script; it ends with one script that saves the state (compare-and-set like <see cref="RedisStorage"/>),
/// appends the sealed transcript entries and lets the lease go. Lease, state and transcript share the conversation's
/// hash tag. Turns of the same host queue on an in-process lock first, so only one of them polls Redis.
/// </summary>
public sealed class RedisTurnStore(RedisConnection redis, RedisStorage storage, RedisTranscriptArchive transcripts,
    IOptions<RedisOptions> options, IOptions<RetentionOptions> retention) : ITurnStore
{
    // KEYS: lease, state. ARGV: token, lease ms. Returns the state's ETag and JSON, or nil when another turn holds it.
    private const string BeginScript = """
        if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return nil end
        return redis.call('HMGET', KEYS[2], 'e', 'v')
        """;

    // KEYS: lease, state, transcript. ARGV: token, save ('1': the next four follow), checked, expected ETag, new ETag,
    // JSON, retention ms, transcript entries… Returns 0 (nothing written) when the state's ETag is not the one expected.
    private const string EndScript = """
        local function release()
          if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
        end
        if ARGV[2] == '1' then
          local current = redis.call('HGET', KEYS[2], 'e')
          if ARGV[3] == '1' and ARGV[4] ~= '*' and current and current ~= ARGV[4] then
            release()
            return 0
          end
          redis.call('HSET', KEYS[2], 'e', ARGV[5], 'v', ARGV[6])
          redis.call('PEXPIRE', KEYS[2], ARGV[7])
        end
        if #ARGV > 7 then
          redis.call('RPUSH', KEYS[3], unpack(ARGV, 8))
          redis.call('PEXPIRE', KEYS[3], ARGV[7])
        end
        release()
        return 1
        """;

    // KEYS: lease. ARGV: token.
    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;

    // KEYS: lease. ARGV: token, lease ms.
    private const string RenewScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return 0
        """;

    private static readonly RedisScript Begin = new(BeginScript);
    private static readonly RedisScript End = new(EndScript);
    private static readonly RedisScript Release = new(ReleaseScript);
    private static readonly RedisScript Renew = new(RenewScript);

    private readonly InProcessTurnLock _local = new();

    public RedisKey LeaseKeyFor(ConversationKey conversation) => redis.Key("lock:{" + conversation.Value + "}");

    public async ValueTask<IStoredTurn> BeginAsync(ConversationKey conversation, string stateKey, CancellationToken cancellationToken)
    {
        var stateRedisKey = storage.RedisKeyFor(stateKey);
        if (stateRedisKey != storage.StateKeyFor(conversation))
        {
            throw new ArgumentException("The state key is not that conversation's.", nameof(stateKey));
        }

        var local = await _local.AcquireAsync(conversation, cancellationToken).ConfigureAwait(false);
        try
        {
            var lease = options.Value.TurnLease;
            var leaseKey = LeaseKeyFor(conversation);
            var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
            var db = redis.Database;
            using var waitLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            waitLimit.CancelAfter(options.Value.TurnLockWait);
            var delay = 1;
            RedisResult read;
            while ((read = await Begin.EvaluateAsync(db, [leaseKey, stateRedisKey], [token, (long)lease.TotalMilliseconds]).ConfigureAwait(false)).IsNull)
            {
                try
                {
                    await Task.Delay(delay + Random.Shared.Next(delay), waitLimit.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException("Another host held this conversation's turn lease for too long.");
                }

                delay = Math.Min(delay * 2, 50);
            }

            var fields = (RedisValue[])read!;
            var stored = RedisStorage.Decode(fields[0], fields[1]);
            RedisKey? legacy = null;
            if (stored is null)
            {
                // A conversation may still have its state under the name it had before (a new one costs this one read).
                var (legacyKey, legacyState) = await storage.ReadLegacyAsync(stateKey).ConfigureAwait(false);
                if (legacyState is not null)
                {
                    (stored, legacy) = (legacyState, legacyKey);
                }
            }

            var ends = new TurnEnd(db, transcripts, conversation, [leaseKey, stateRedisKey, transcripts.KeyFor(conversation)], (long)retention.Value.Conversation.TotalMilliseconds, legacy);
            return new Turn(ends, token, lease, stored, local);
        }
        catch
        {
            await local.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// What a turn needs to end: the database, the transcript archive (which seals entries), its keys (lease, state, transcript), the retention, and the
    /// old-style state key its state was read from (deleted once the state is saved under its new name).
    /// </summary>
    private sealed record TurnEnd(IDatabase Db, RedisTranscriptArchive Transcripts, ConversationKey Conversation, RedisKey[] Keys, long RetentionMs, RedisKey? Legacy);

    private sealed class Turn : IStoredTurn
    {
        private readonly TurnEnd _end;
        private readonly string _token;
        private readonly IAsyncDisposable _local;
        private readonly Timer _renewal;
        private int _released;

        public Turn(TurnEnd end, string token, TimeSpan leaseTime, object? stored, IAsyncDisposable local)
        {
            _end = end;
            _token = token;
            _local = local;
            State = stored;
            var period = leaseTime / 3;
            var ttl = (long)leaseTime.TotalMilliseconds;
            _renewal = new Timer(_ => _ = RenewAsync(ttl), null, period, period);
        }

        public object? State { get; }

        public async Task EndAsync(object? state, IReadOnlyList<TranscriptEntry> transcript, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(transcript);
            if (Interlocked.Exchange(ref _released, 1) != 0)
            {
                throw new InvalidOperationException("This turn has ended.");
            }

            try
            {
                await _renewal.DisposeAsync().ConfigureAwait(false);
                var (check, expected, etag, json) = state is null ? ("0", string.Empty, string.Empty, string.Empty) : RedisStorage.Encode(state);
                var args = new RedisValue[7 + transcript.Count];
                (args[0], args[1], args[2], args[3], args[4], args[5]) = (_token, state is null ? "0" : "1", check, expected, etag, json);
                args[6] = _end.RetentionMs;
                for (var i = 0; i < transcript.Count; i++)
                {
                    args[7 + i] = _end.Transcripts.Seal(_end.Conversation, transcript[i]);
                }

                long written;
                try
                {
                    written = (long)await End.EvaluateAsync(_end.Db, _end.Keys, args).ConfigureAwait(false);
                }
                catch
                {
                    // Nothing or everything was written; the lease goes either way, so the next turn need not wait it out.
                    await ReleaseAsync().ConfigureAwait(false);
                    throw;
                }

                if (written == 0)
                {
                    throw new StorageConflictException(_end.Conversation.Value);
                }

                if (_end.Legacy is { } legacy && state is not null)
                {
                    await _end.Db.KeyDeleteAsync(legacy).ConfigureAwait(false);
                }
            }
            finally
            {
                await _local.DisposeAsync().ConfigureAwait(false);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
            {
                return;
            }

            await _renewal.DisposeAsync().ConfigureAwait(false);
            try
            {
                await ReleaseAsync().ConfigureAwait(false);
            }
            finally
            {
                await _local.DisposeAsync().ConfigureAwait(false);
            }
        }

        private async Task ReleaseAsync()
        {
            try
            {
                await Release.EvaluateAsync(_end.Db, [_end.Keys[0]], [_token]).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // The lease runs out by itself; nothing else to do while Redis is away.
            }
        }

        private async Task RenewAsync(long ttl)
        {
            try
            {
                await Renew.EvaluateAsync(_end.Db, [_end.Keys[0]], [_token, ttl]).ConfigureAwait(false);
            }
            catch (RedisException)
            {
                // A missed renewal only shortens the lease.
            }
        }
    }
}
