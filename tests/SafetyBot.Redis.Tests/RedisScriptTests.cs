using StackExchange.Redis;

namespace SafetyBot.Redis.Tests;

public sealed class RedisScriptTests
{
    [Fact]
    public async Task AScriptRedisDoesNotKnowYet_IsSentWholeOnce_ThenRunsByItsHash()
    {
        var redis = await RedisTestConnections.ConnectAsync();
        // A script text no Redis has seen: the first call meets NOSCRIPT.
        var script = new RedisScript("-- " + Guid.NewGuid().ToString("N") + "\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])");
        var key = redis.Key("script-test:" + Guid.NewGuid().ToString("N"));

        Assert.Equal(2, (long)await script.EvaluateAsync(redis.Database, [key], [2]));
        Assert.Equal(5, (long)await script.EvaluateAsync(redis.Database, [key], [3]));

        await redis.Database.KeyDeleteAsync(key);
    }
}
