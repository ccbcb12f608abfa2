using Microsoft.Bot.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SafetyBot.Core;
using SafetyBot.Core.Conversations;
using SafetyBot.Core.Delivery;
using SafetyBot.Core.Handoff;
using SafetyBot.Core.Staff;
using SafetyBot.Core.Streams;
using SafetyBot.Core.Transcripts;

namespace SafetyBot.Redis;

public static class SafetyBotRedisExtensions
{
    /// <summary>Puts state, transcripts, turn leases, activity streams, delivery queues and staff accounts in Redis, and adds a readiness check.</summary>
    public static SafetyBotBuilder AddSafetyBotRedis(this SafetyBotBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.SectionName)
            .Validate(o => !string.IsNullOrWhiteSpace(o.Configuration), "Redis:Configuration (Redis__Configuration) is empty.")
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RedisConnection>();
        services.AddSingleton<RedisStorage>();
        services.AddSingleton<IStorage>(sp => sp.GetRequiredService<RedisStorage>());
        services.AddSingleton<RedisTranscriptArchive>();
        services.AddSingleton<ITranscriptArchive>(sp => sp.GetRequiredService<RedisTranscriptArchive>());
        services.AddSingleton<RedisTurnStore>();
        services.AddSingleton<ITurnStore>(sp => sp.GetRequiredService<RedisTurnStore>());
        services.AddSingleton<RedisActivityStreamStore>();
        services.AddSingleton<IActivityStreamStore>(sp => sp.GetRequiredService<RedisActivityStreamStore>());
        services.AddSingleton<RedisWaitingRoom>();
        services.AddSingleton<IWaitingRoom>(sp => sp.GetRequiredService<RedisWaitingRoom>());
        services.AddSingleton<IPostboxes, RedisPostboxes>();
        services.AddSingleton<RedisStaffDirectory>();
        services.AddSingleton<IStaffDirectory>(sp => sp.GetRequiredService<RedisStaffDirectory>());
        services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", tags: ["ready"]);
        return builder;
    }
}

/// <summary>Ready when Redis answers a PING.</summary>
public sealed class RedisHealthCheck(RedisConnection redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var latency = await redis.Database.PingAsync().ConfigureAwait(false);
            return HealthCheckResult.Healthy($"Redis answered in {latency.TotalMilliseconds:F1} ms.");
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Redis is not reachable.", ex);
        }
    }
}
