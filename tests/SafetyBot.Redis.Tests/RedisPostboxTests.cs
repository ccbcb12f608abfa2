using SafetyBot.Core.Delivery;
using SafetyBot.Testing;

namespace SafetyBot.Redis.Tests;

/// <summary>The delivery queue contract on a real redis-server, with a second connection standing in for another host.</summary>
public sealed class RedisPostboxTests : PostboxContractTests
{
    private readonly string _prefix = SharedRedis.NewPrefix();

    protected override async Task<IPostboxes> CreateAsync() =>
        new RedisPostboxes(await RedisTestConnections.ConnectAsync(_prefix), Clock, RedisTestConnections.Retention());

    protected override Task<IPostboxes> PeerAsync(IPostboxes first) => CreateAsync();

    [Fact]
    public async Task KeysNameNoChat_AndLinesExpireWithTheRetention()
    {
        var connection = await RedisTestConnections.ConnectAsync(_prefix);
        var queue = new RedisPostboxes(connection, Clock, RedisTestConnections.Retention(TimeSpan.FromHours(2))).Open("out", new DeliveryPacing());
        await queue.AddAsync("telegram/7100000001", [new DeliveryItem(DeliveryItem.NewId(), false, [1, 2, 3])], receivedId: 42);

        var keys = connection.Multiplexer.GetServers()[0].Keys(pattern: _prefix + "*").ToList();
        Assert.DoesNotContain(keys, k => k.ToString().Contains("7100000001", StringComparison.Ordinal));
        var line = Assert.Single(keys, k => k.ToString().Contains(":line:", StringComparison.Ordinal));
        Assert.InRange((await connection.Database.KeyTimeToLiveAsync(line))!.Value, TimeSpan.FromHours(1.9), TimeSpan.FromHours(2));
        var ids = Assert.Single(keys, k => k.ToString().Contains(":ids:", StringComparison.Ordinal));
        Assert.InRange((await connection.Database.KeyTimeToLiveAsync(ids))!.Value, TimeSpan.FromHours(47), TimeSpan.FromHours(48));
    }
}
