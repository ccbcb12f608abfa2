using SafetyBot.Core.Staff;
using SafetyBot.Testing;

namespace SafetyBot.Redis.Tests;

public sealed class RedisStaffDirectoryTests : StaffDirectoryContractTests
{
    protected override async Task<IStaffDirectory> CreateDirectoryAsync() => new RedisStaffDirectory(await RedisTestConnections.ConnectAsync());

    [Fact]
    public async Task StaffKeys_ShareOneHashTag_AndNeverExpire()
    {
        var connection = await RedisTestConnections.ConnectAsync();
        var directory = new RedisStaffDirectory(connection);
        await directory.CreateAsync(NewAccount("ivan"), default);
        await directory.CreateAsync(NewAccount("julia"), default);

        var keys = connection.Multiplexer.GetServers()[0].Keys(pattern: connection.Prefix + "*").ToList();

        Assert.Equal(3, keys.Count);
        Assert.All(keys, k => Assert.Equal("staff", HashTag(k.ToString())));
        foreach (var key in keys)
        {
            Assert.Null(await connection.Database.KeyTimeToLiveAsync(key));
        }
    }

    [Fact]
    public async Task AnotherHost_SeesTheSameAccounts()
    {
        var prefix = SharedRedis.NewPrefix();
        var here = new RedisStaffDirectory(await RedisTestConnections.ConnectAsync(prefix));
        var there = new RedisStaffDirectory(await RedisTestConnections.ConnectAsync(prefix));
        var created = await here.CreateAsync(NewAccount("kira", StaffRole.Admin), default);

        var seen = await there.FindAsync("KIRA", default);
        var updated = await there.UpdateAsync(seen! with { FailedAttempts = 1 }, default);

        Assert.Equal(created, seen);
        Assert.Equal(updated, await here.FindAsync("kira", default));
        Assert.Null(await there.CreateAsync(NewAccount("kira"), default));
    }

    [Fact]
    public async Task AStoredAccount_HoldsTheHashButNotThePassword()
    {
        var connection = await RedisTestConnections.ConnectAsync();
        var service = new StaffAccountService(new RedisStaffDirectory(connection), Hasher, StaffLockoutPolicy.Default, TimeProvider.System);

        await service.CreateAsync("lena", StaffRole.Agent, "a secret passphrase", default);

        var json = (string)(await connection.Database.HashGetAsync(new RedisStaffDirectory(connection).AccountKey("lena"), "json"))!;
        Assert.DoesNotContain("a secret passphrase", json, StringComparison.Ordinal);
        Assert.Contains("pbkdf2-sha256$100000$", json, StringComparison.Ordinal);
    }

    private static string HashTag(string key)
    {
        var open = key.IndexOf('{', StringComparison.Ordinal);
        var close = key.IndexOf('}', open + 1);
        return key[(open + 1)..close];
    }
}
