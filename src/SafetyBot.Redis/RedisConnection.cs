using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace SafetyBot.Redis;

/// <summary>
/// The host's one Redis multiplexer. Connects at start-up and fails with a message naming the setting;
/// afterwards commands fail fast while Redis is away (so a person gets the helpline answer at once,
/// not after a time-out) and the multiplexer reconnects by itself.
/// </summary>
public sealed partial class RedisConnection : IDisposable
{
    private readonly ConnectionMultiplexer _multiplexer;

    public RedisConnection(IOptions<RedisOptions> options, ILogger<RedisConnection> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        Prefix = value.KeyPrefix;
        ConfigurationOptions configuration;
        try
        {
            configuration = ConfigurationOptions.Parse(value.Configuration ?? string.Empty);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"Redis:Configuration (Redis__Configuration) is not a valid StackExchange.Redis configuration string: {ex.Message}", ex);
        }

        configuration.AbortOnConnectFail = true;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ConnectTimeout = Math.Min(configuration.ConnectTimeout, 5000);
        configuration.ClientName ??= "safetybot";
        try
        {
            _multiplexer = ConnectionMultiplexer.Connect(configuration);
        }
        catch (RedisConnectionException ex)
        {
            throw new InvalidOperationException(
                $"Cannot connect to Redis at '{string.Join(", ", configuration.EndPoints)}' (setting Redis:Configuration, environment variable Redis__Configuration). Start Redis, fix the setting, or remove it to use in-process storage.", ex);
        }

        _multiplexer.ConnectionFailed += (_, e) => LogConnectionLost(logger, e.EndPoint, e.FailureType);
        _multiplexer.ConnectionRestored += (_, e) => LogConnectionRestored(logger, e.EndPoint);
        LogConnected(logger, configuration.EndPoints.Count);
    }

    public IConnectionMultiplexer Multiplexer => _multiplexer;

    public IDatabase Database => _multiplexer.GetDatabase();

    public string Prefix { get; }

    public RedisKey Key(string suffix) => Prefix + suffix;

    public void Dispose() => _multiplexer.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to Redis ({EndpointCount} endpoint(s))")]
    private static partial void LogConnected(ILogger logger, int endpointCount);

    [LoggerMessage(Level = LogLevel.Error, Message = "Lost the Redis connection to {Endpoint} ({FailureType}); the bot answers with helplines until it returns")]
    private static partial void LogConnectionLost(ILogger logger, System.Net.EndPoint? endpoint, ConnectionFailureType failureType);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis connection to {Endpoint} restored")]
    private static partial void LogConnectionRestored(ILogger logger, System.Net.EndPoint? endpoint);
}
