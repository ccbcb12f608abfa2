using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SafetyBot.Core.Storage;
using SafetyBot.Testing;

namespace SafetyBot.Redis.Tests;

/// <summary>Connections to the test run's real Redis, each with its own key prefix.</summary>
public static class RedisTestConnections
{
    public static async Task<RedisConnection> ConnectAsync(string? prefix = null) =>
        new(Options.Create(new RedisOptions { Configuration = await SharedRedis.ConfigurationAsync(), KeyPrefix = prefix ?? SharedRedis.NewPrefix() }),
            NullLogger<RedisConnection>.Instance);

    public static IOptions<RetentionOptions> Retention(TimeSpan? period = null) =>
        Options.Create(new RetentionOptions { Conversation = period ?? TimeSpan.FromDays(7) });
}
