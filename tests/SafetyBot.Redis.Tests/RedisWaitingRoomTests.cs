using SafetyBot.Core.Handoff;
using SafetyBot.Testing;

namespace SafetyBot.Redis.Tests;

/// <summary>The waiting room contract on a real redis-server, with a second connection standing in for another host.</summary>
public sealed class RedisWaitingRoomTests : WaitingRoomContractTests
{
    private readonly string _prefix = SharedRedis.NewPrefix();

    protected override async Task<IWaitingRoom> CreateAsync() =>
        new RedisWaitingRoom(await RedisTestConnections.ConnectAsync(_prefix), Clock, RedisTestConnections.Retention());

    protected override async Task<IWaitingRoom> PeerAsync(IWaitingRoom first) =>
        new RedisWaitingRoom(await RedisTestConnections.ConnectAsync(_prefix), Clock, RedisTestConnections.Retention());

    [Fact]
    public async Task KeysNameNoConversation_AndEntriesExpireWithTheRetention()
    {
        var connection = await RedisTestConnections.ConnectAsync(_prefix);
        var room = new RedisWaitingRoom(connection, Clock, RedisTestConnections.Retention(TimeSpan.FromHours(2)));
        await room.EnqueueAsync(Entry("chat-7100000001"));

        var keys = connection.Multiplexer.GetServers()[0].Keys(pattern: _prefix + "*").ToList();
        Assert.NotEmpty(keys);
        Assert.DoesNotContain(keys, k => k.ToString().Contains("7100000001", StringComparison.Ordinal));
        var members = await connection.Database.SortedSetRangeByRankAsync(connection.Key("handoff:{q}:waiting"));
        Assert.DoesNotContain(members, m => m.ToString().Contains("7100000001", StringComparison.Ordinal));
        var entry = Assert.Single(keys, k => k.ToString().Contains(":entry:", StringComparison.Ordinal));
        Assert.InRange((await connection.Database.KeyTimeToLiveAsync(entry))!.Value, TimeSpan.FromHours(1.9), TimeSpan.FromHours(2));
    }
}
