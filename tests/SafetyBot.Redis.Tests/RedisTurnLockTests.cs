using Microsoft.Extensions.Options;
using SafetyBot.Core.Conversations;
using SafetyBot.Testing;

namespace SafetyBot.Redis.Tests;

public sealed class RedisTurnLockTests
{
    private static RedisTurnLock Lock(RedisConnection connection, TimeSpan? lease = null, TimeSpan? wait = null) =>
        new(connection, Options.Create(new RedisOptions { Configuration = "unused", TurnLease = lease ?? TimeSpan.FromSeconds(30), TurnLockWait = wait ?? TimeSpan.FromSeconds(30) }));

    [Fact]
    public async Task TwoHosts_NeverHoldTheSameConversationAtOnce()
    {
        var prefix = SharedRedis.NewPrefix();
        var hostA = Lock(await RedisTestConnections.ConnectAsync(prefix));
        var hostB = Lock(await RedisTestConnections.ConnectAsync(prefix));
        var conversation = ConversationKey.For("test", Guid.NewGuid().ToString("N"));
        var inside = 0;
        var maxInside = 0;
        var entries = 0;

        async Task TurnAsync(RedisTurnLock host)
        {
            await using (await host.AcquireAsync(conversation, default))
            {
                var now = Interlocked.Increment(ref inside);
                InterlockedMax(ref maxInside, now);
                await Task.Delay(3);
                Interlocked.Increment(ref entries);
                Interlocked.Decrement(ref inside);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => TurnAsync(i % 2 == 0 ? hostA : hostB))));

        Assert.Equal(1, maxInside);
        Assert.Equal(40, entries);
    }

    [Fact]
    public async Task DifferentConversations_DoNotWaitForEachOther()
    {
        var host = Lock(await RedisTestConnections.ConnectAsync());
        var first = await host.AcquireAsync(ConversationKey.For("test", "one"), default);

        var second = await host.AcquireAsync(ConversationKey.For("test", "two"), default).AsTask().WaitAsync(TimeSpan.FromSeconds(5));

        await second.DisposeAsync();
        await first.DisposeAsync();
    }

    [Fact]
    public async Task AHostThatDiesHoldingTheLease_LosesItWhenTheLeaseRunsOut()
    {
        var prefix = SharedRedis.NewPrefix();
        var dyingConnection = await RedisTestConnections.ConnectAsync(prefix);
        var dying = Lock(dyingConnection, lease: TimeSpan.FromSeconds(2));
        var survivor = Lock(await RedisTestConnections.ConnectAsync(prefix), wait: TimeSpan.FromSeconds(20));
        var conversation = ConversationKey.For("test", Guid.NewGuid().ToString("N"));
        _ = await dying.AcquireAsync(conversation, default);
        dyingConnection.Dispose();

        var started = DateTime.UtcNow;
        await using (await survivor.AcquireAsync(conversation, default))
        {
            Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(15));
        }
    }

    [Fact]
    public async Task ALongTurn_KeepsItsLeaseByRenewingIt()
    {
        var prefix = SharedRedis.NewPrefix();
        var holder = Lock(await RedisTestConnections.ConnectAsync(prefix), lease: TimeSpan.FromSeconds(1));
        var other = Lock(await RedisTestConnections.ConnectAsync(prefix), wait: TimeSpan.FromSeconds(2));
        var conversation = ConversationKey.For("test", Guid.NewGuid().ToString("N"));

        await using (await holder.AcquireAsync(conversation, default))
        {
            await Assert.ThrowsAsync<TimeoutException>(async () => await other.AcquireAsync(conversation, default));
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
