using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using SafetyBot.Core.Conversations;
using StackExchange.Redis;

namespace SafetyBot.Redis;

/// <summary>
/// Serialises a conversation's turns across hosts with a Redis lease (SET NX PX, renewed while the turn
/// runs, released only by its holder). A host that dies holding it loses it when the lease runs out.
/// Turns of the same host queue on an in-process lock first, so only one of them polls Redis.
/// </summary>
public sealed class RedisTurnLock(RedisConnection redis, IOptions<RedisOptions> options) : IConversationTurnLock
{
    private static readonly LuaScript ReleaseScript = LuaScript.Prepare("""
        if redis.call('GET', @key) == @token then return redis.call('DEL', @key) end
        return 0
        """);

    private static readonly LuaScript RenewScript = LuaScript.Prepare("""
        if redis.call('GET', @key) == @token then return redis.call('PEXPIRE', @key, @ttl) end
        return 0
        """);

    private readonly InProcessTurnLock _local = new();

    public RedisKey KeyFor(ConversationKey conversation) => redis.Key("lock:{" + conversation.Value + "}");

    public async ValueTask<IAsyncDisposable> AcquireAsync(ConversationKey conversation, CancellationToken cancellationToken)
    {
        var local = await _local.AcquireAsync(conversation, cancellationToken).ConfigureAwait(false);
        try
        {
            var lease = options.Value.TurnLease;
            var key = KeyFor(conversation);
            var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
            var db = redis.Database;
            using var waitLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            waitLimit.CancelAfter(options.Value.TurnLockWait);
            var delay = 1;
            while (!await db.StringSetAsync(key, token, lease, When.NotExists).ConfigureAwait(false))
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

            return new Lease(db, key, token, lease, local);
        }
        catch
        {
            await local.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private sealed class Lease : IAsyncDisposable
    {
        private readonly IDatabase _db;
        private readonly RedisKey _key;
        private readonly string _token;
        private readonly IAsyncDisposable _local;
        private readonly Timer _renewal;
        private int _released;

        public Lease(IDatabase db, RedisKey key, string token, TimeSpan lease, IAsyncDisposable local)
        {
            _db = db;
            _key = key;
            _token = token;
            _local = local;
            var period = lease / 3;
            var ttl = (long)lease.TotalMilliseconds;
            _renewal = new Timer(_ => _ = RenewAsync(ttl), null, period, period);
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
                await ReleaseScript.EvaluateAsync(_db, new { key = _key, token = _token }).ConfigureAwait(false);
            }
            catch (RedisException)
            {
                // The lease runs out by itself; nothing else to do while Redis is away.
            }
            finally
            {
                await _local.DisposeAsync().ConfigureAwait(false);
            }
        }

        private async Task RenewAsync(long ttl)
        {
            try
            {
                await RenewScript.EvaluateAsync(_db, new { key = _key, token = _token, ttl }).ConfigureAwait(false);
            }
            catch (RedisException)
            {
                // A missed renewal only shortens the lease.
            }
        }
    }
}
