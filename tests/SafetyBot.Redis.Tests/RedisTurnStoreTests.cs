using Microsoft.Bot.Builder;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SafetyBot.Core.Conversations;
using SafetyBot.Core.Storage;
using SafetyBot.Core.Transcripts;
using SafetyBot.Testing;

namespace SafetyBot.Redis.Tests;

public sealed class RedisTurnStoreTests
{
    private static readonly TranscriptCipher Cipher = new(Options.Create(new TranscriptOptions { EncryptionKey = Convert.ToBase64String(new byte[32]) }), NullLogger<TranscriptCipher>.Instance);

    private static RedisTurnStore Lock(RedisConnection connection, TimeSpan? lease = null, TimeSpan? wait = null)
    {
        var retention = RedisTestConnections.Retention(TimeSpan.FromHours(2));
        return new(connection, new RedisStorage(connection, retention), new RedisTranscriptArchive(connection, Cipher, retention),
            Options.Create(new RedisOptions { Configuration = "unused", TurnLease = lease ?? TimeSpan.FromSeconds(30), TurnLockWait = wait ?? TimeSpan.FromSeconds(30) }), retention);
    }

    private static ValueTask<IStoredTurn> BeginAsync(RedisTurnStore store, string channel, string id) =>
        store.BeginAsync(ConversationKey.For(channel, id), channel + "/conversations/" + id, default);

    [Fact]
    public async Task TwoHosts_NeverHoldTheSameConversationAtOnce()
    {
        var prefix = SharedRedis.NewPrefix();
        var hostA = Lock(await RedisTestConnections.ConnectAsync(prefix));
        var hostB = Lock(await RedisTestConnections.ConnectAsync(prefix));
        var id = Guid.NewGuid().ToString("N");
        var inside = 0;
        var maxInside = 0;
        var entries = 0;

        async Task TurnAsync(RedisTurnStore host)
        {
            await using (await BeginAsync(host, "test", id))
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
        var first = await BeginAsync(host, "test", "one");

        var second = await BeginAsync(host, "test", "two").AsTask().WaitAsync(TimeSpan.FromSeconds(5));

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
        var id = Guid.NewGuid().ToString("N");
        _ = await BeginAsync(dying, "test", id);
        dyingConnection.Dispose();

        var started = DateTime.UtcNow;
        await using (await BeginAsync(survivor, "test", id))
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
        var id = Guid.NewGuid().ToString("N");

        await using (await BeginAsync(holder, "test", id))
        {
            await Assert.ThrowsAsync<TimeoutException>(async () => await BeginAsync(other, "test", id));
        }
    }

    [Fact]
    public async Task ATurn_ReadsTheStateAtItsStart_AndSavesStateAndTranscriptAtItsEnd_ThenLetsGo()
    {
        var prefix = SharedRedis.NewPrefix();
        var connection = await RedisTestConnections.ConnectAsync(prefix);
        var store = Lock(connection);
        var id = Guid.NewGuid().ToString("N");
        var conversation = ConversationKey.For("test", id);
        var entry = new TranscriptEntry(DateTimeOffset.UtcNow, TranscriptRoles.User, "message", "he asked for photos", null);

        await using (var first = await BeginAsync(store, "test", id))
        {
            Assert.Null(first.State);
            await first.EndAsync(new Dictionary<string, object> { ["turns"] = 1L }, [entry], default);
        }

        await using (var second = await BeginAsync(store, "test", id).AsTask().WaitAsync(TimeSpan.FromSeconds(5)))
        {
            var state = Assert.IsAssignableFrom<IDictionary<string, object>>(second.State);
            Assert.Equal(1L, Convert.ToInt64(state["turns"], System.Globalization.CultureInfo.InvariantCulture));
            await second.EndAsync(null, [], default);
        }

        // The same state through Bot Builder's storage, and the transcript through the archive, both sealed at rest.
        var retention = RedisTestConnections.Retention(TimeSpan.FromHours(2));
        var read = await new RedisStorage(connection, retention).ReadAsync(["test/conversations/" + id]);
        Assert.Single(read);
        var transcript = await new RedisTranscriptArchive(connection, Cipher, retention).ReadAsync(conversation, default);
        Assert.Equal("he asked for photos", Assert.Single(transcript).Text);
        var keys = connection.Multiplexer.GetServers()[0].Keys(pattern: prefix + "*").Select(k => k.ToString()).ToList();
        Assert.Equal(2, keys.Count); // state and transcript; the lease is gone
        Assert.All(keys, k => Assert.EndsWith("{" + conversation.Value + "}", k, StringComparison.Ordinal));
        foreach (var key in keys)
        {
            Assert.InRange((await connection.Database.KeyTimeToLiveAsync(key))!.Value, TimeSpan.FromHours(1), TimeSpan.FromHours(2));
        }
    }

    [Fact]
    public async Task ATurnThatEndsWithoutSaving_LeavesTheStateAsItWas()
    {
        var store = Lock(await RedisTestConnections.ConnectAsync());
        var id = Guid.NewGuid().ToString("N");
        await using (var first = await BeginAsync(store, "test", id))
        {
            await first.EndAsync(new Dictionary<string, object> { ["language"] = "uk" }, [], default);
        }

        // A failed turn: disposed without ending.
        await using (var failed = await BeginAsync(store, "test", id))
        {
            Assert.NotNull(failed.State);
        }

        await using var next = await BeginAsync(store, "test", id).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("uk", ((IDictionary<string, object>)next.State!)["language"]);
    }

    [Fact]
    public async Task AStateChangedUnderTheTurn_IsAConflict_AndNothingIsWritten()
    {
        var connection = await RedisTestConnections.ConnectAsync();
        var store = Lock(connection);
        var storage = new RedisStorage(connection, RedisTestConnections.Retention(TimeSpan.FromHours(2)));
        var id = Guid.NewGuid().ToString("N");
        var key = "test/conversations/" + id;
        await storage.WriteAsync(new Dictionary<string, object> { [key] = new StoreItemProbe { Value = "first" } });
        var stale = (StoreItemProbe)(await storage.ReadAsync([key]))[key];
        await storage.WriteAsync(new Dictionary<string, object> { [key] = new StoreItemProbe { Value = "second", ETag = "*" } });

        var turn = await BeginAsync(store, "test", id);
        stale.Value = "lost";
        await Assert.ThrowsAsync<StorageConflictException>(() => turn.EndAsync(stale,
            [new TranscriptEntry(DateTimeOffset.UtcNow, TranscriptRoles.User, "message", "hello", null)], default));

        Assert.Equal("second", ((StoreItemProbe)(await storage.ReadAsync([key]))[key]).Value);
        Assert.Empty(await new RedisTranscriptArchive(connection, Cipher, RedisTestConnections.Retention()).ReadAsync(ConversationKey.For("test", id), default));
        await using var next = await BeginAsync(store, "test", id).AsTask().WaitAsync(TimeSpan.FromSeconds(5)); // let go all the same
    }

    [Fact]
    public async Task AStateStoredUnderItsOldName_IsFound_MovedToItsNewName_AndErasedWithIt()
    {
        var prefix = SharedRedis.NewPrefix();
        var connection = await RedisTestConnections.ConnectAsync(prefix);
        var store = Lock(connection);
        var storage = new RedisStorage(connection, RedisTestConnections.Retention(TimeSpan.FromHours(2)));
        var id = Guid.NewGuid().ToString("N");
        var key = "test/conversations/" + id;
        // Before state keys shared their conversation's hash tag, a state was stored under a hash of its storage key.
        var old = connection.Key("st:{" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key))[..16]) + "}");
        async Task StoreTheOldWayAsync() => await connection.Database.HashSetAsync(old,
            [new("e", "e1"), new("v", StoreItemSerializer.Serialize(new Dictionary<string, object> { ["language"] = "uk" }))]);
        await StoreTheOldWayAsync();

        Assert.Equal("uk", ((IDictionary<string, object>)(await storage.ReadAsync([key]))[key])["language"]); // the staff view
        await using (var turn = await BeginAsync(store, "test", id))
        {
            var state = Assert.IsAssignableFrom<IDictionary<string, object>>(turn.State);
            Assert.Equal("uk", state["language"]);
            await turn.EndAsync(state, [], default);
        }

        Assert.False(await connection.Database.KeyExistsAsync(old));
        Assert.True(await connection.Database.KeyExistsAsync(storage.RedisKeyFor(key)));

        // Erase removes the state under either name.
        await StoreTheOldWayAsync();
        await storage.DeleteAsync([key]);
        Assert.Empty(connection.Multiplexer.GetServers()[0].Keys(pattern: prefix + "st:*"));
    }

    [Fact]
    public async Task AStateKeyOfAnotherConversation_IsRefused()
    {
        var store = Lock(await RedisTestConnections.ConnectAsync());
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.BeginAsync(ConversationKey.For("test", "one"), "test/conversations/two", default));
    }

    public sealed class StoreItemProbe : IStoreItem
    {
        public string Value { get; set; } = string.Empty;

        public string ETag { get; set; } = string.Empty;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
