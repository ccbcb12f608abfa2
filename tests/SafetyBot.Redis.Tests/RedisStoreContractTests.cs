using Microsoft.Bot.Builder;
using SafetyBot.Core.Streams;
using SafetyBot.Testing;

namespace SafetyBot.Redis.Tests;

public sealed class RedisStorageContractTests : StorageContractTests
{
    protected override async Task<IStorage> CreateStorageAsync() =>
        new RedisStorage(await RedisTestConnections.ConnectAsync(), RedisTestConnections.Retention());

    [Fact]
    public async Task EveryStoredKey_HasTheRetentionTtl_AndNoRawKeyText()
    {
        var connection = await RedisTestConnections.ConnectAsync();
        var storage = new RedisStorage(connection, RedisTestConnections.Retention(TimeSpan.FromHours(2)));

        await storage.WriteAsync(new Dictionary<string, object> { ["telegram/conversations/123456789"] = new Item { Count = 1 } });

        var server = connection.Multiplexer.GetServers()[0];
        var keys = server.Keys(pattern: connection.Prefix + "*").ToList();
        var key = Assert.Single(keys);
        Assert.DoesNotContain("123456789", key.ToString(), StringComparison.Ordinal);
        var ttl = await connection.Database.KeyTimeToLiveAsync(key);
        Assert.InRange(ttl!.Value, TimeSpan.FromHours(1.9), TimeSpan.FromHours(2));
    }
}

public sealed class RedisActivityStreamStoreContractTests : ActivityStreamStoreContractTests
{
    private string? _prefix;

    protected override async Task<IActivityStreamStore> CreateStoreAsync()
    {
        _prefix = SharedRedis.NewPrefix();
        return new RedisActivityStreamStore(await RedisTestConnections.ConnectAsync(_prefix), RedisTestConnections.Retention());
    }

    protected override async Task<IActivityStreamStore> CreatePeerAsync(IActivityStreamStore first)
    {
        // Another host: its own multiplexer and subscription, the same Redis and prefix.
        var peer = new RedisActivityStreamStore(await RedisTestConnections.ConnectAsync(_prefix), RedisTestConnections.Retention());
        await peer.EnsureSubscribedAsync();
        return peer;
    }

    [Fact]
    public async Task StreamKeys_ShareAHashSlot_AndExpire()
    {
        var connection = await RedisTestConnections.ConnectAsync();
        var store = new RedisActivityStreamStore(connection, RedisTestConnections.Retention(TimeSpan.FromMinutes(30)));
        await store.CreateAsync("conv-a", default);
        await store.AppendAsync("conv-a", "{}", default);

        var sequence = store.SequenceKey("conv-a");
        var stream = store.StreamKey("conv-a");

        Assert.Equal(HashTag(sequence), HashTag(stream));
        Assert.InRange((await connection.Database.KeyTimeToLiveAsync(sequence))!.Value, TimeSpan.FromMinutes(29), TimeSpan.FromMinutes(30));
        Assert.InRange((await connection.Database.KeyTimeToLiveAsync(stream))!.Value, TimeSpan.FromMinutes(29), TimeSpan.FromMinutes(30));

        static string HashTag(StackExchange.Redis.RedisKey key)
        {
            var text = key.ToString();
            var open = text.IndexOf('{', StringComparison.Ordinal);
            var close = text.IndexOf('}', open + 1);
            return text[(open + 1)..close];
        }
    }
}
