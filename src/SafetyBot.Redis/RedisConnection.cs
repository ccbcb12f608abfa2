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
        _logger = logger;
        AwaitSubscriptionConnection();
        LogConnected(logger, configuration.EndPoints.Count);
    }

    private readonly ILogger _logger;
    private volatile bool _disposed;

    public IConnectionMultiplexer Multiplexer => _multiplexer;

    public IDatabase Database => _multiplexer.GetDatabase();

    public string Prefix { get; }

    public RedisKey Key(string suffix) => Prefix + suffix;

    public void Dispose()
    {
        _disposed = true;
        _multiplexer.Dispose();
    }

    /// <summary>
    /// Listens on a channel. Commands fail fast while a connection is down, and the subscription connection may still
    /// be opening just after start-up: then the subscription is made again in the background until it holds (until
    /// then, whoever listens learns of changes by its own polling).
    /// </summary>
    public void Subscribe(RedisChannel channel, Action<RedisChannel, RedisValue> handler)
    {
        try
        {
            _multiplexer.GetSubscriber().Subscribe(channel, handler);
        }
        catch (RedisConnectionException)
        {
            _ = SubscribeLaterAsync(channel, handler);
        }
    }

    private async Task SubscribeLaterAsync(RedisChannel channel, Action<RedisChannel, RedisValue> handler)
    {
        for (var attempt = 1; !_disposed; attempt++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5_000, 100 * attempt))).ConfigureAwait(false);
            try
            {
                await _multiplexer.GetSubscriber().SubscribeAsync(channel, handler).ConfigureAwait(false);
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (RedisConnectionException)
            {
                if (attempt % 20 == 0)
                {
                    LogSubscriptionPending(_logger, attempt);
                }
            }
        }
    }

    // Opens the subscription connection now (a subscription to a channel nobody publishes on), so the first real
    // subscriptions do not meet it still opening; bounded, and start-up goes on without it.
    private void AwaitSubscriptionConnection()
    {
        var channel = RedisChannel.Literal(Prefix + "connected");
        for (var attempt = 0; attempt < 50; attempt++)
        {
            try
            {
                _multiplexer.GetSubscriber().Subscribe(channel, static (_, _) => { });
                return;
            }
            catch (RedisConnectionException)
            {
                Thread.Sleep(100);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Still cannot listen on Redis after {Attempts} attempts; changes are noticed by polling meanwhile")]
    private static partial void LogSubscriptionPending(ILogger logger, int attempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to Redis ({EndpointCount} endpoint(s))")]
    private static partial void LogConnected(ILogger logger, int endpointCount);

    [LoggerMessage(Level = LogLevel.Error, Message = "Lost the Redis connection to {Endpoint} ({FailureType}); the bot answers with helplines until it returns")]
    private static partial void LogConnectionLost(ILogger logger, System.Net.EndPoint? endpoint, ConnectionFailureType failureType);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis connection to {Endpoint} restored")]
    private static partial void LogConnectionRestored(ILogger logger, System.Net.EndPoint? endpoint);
}
