using System.Globalization;
using Microsoft.Extensions.Options;
using SafetyBot.Core.Storage;
using SafetyBot.Core.Streams;
using StackExchange.Redis;
using StreamEntry = SafetyBot.Core.Streams.StreamEntry;

namespace SafetyBot.Redis;

/// <summary>
/// Activity streams as Redis Streams (entry ids <c>0-&lt;watermark&gt;</c>) with a counter beside them in the
/// same hash slot; an append is one Lua script that numbers, stores, refreshes the retention and
/// publishes the entry, so every host's subscribers are woken without blocking reads.
/// </summary>
public sealed class RedisActivityStreamStore : IActivityStreamStore, IDisposable
{
    private static readonly LuaScript AppendScript = LuaScript.Prepare("""
        if redis.call('EXISTS', @seq) == 0 then return -1 end
        local n = redis.call('INCR', @seq)
        local p = @payload
        local s, e = string.find(p, @marker, 1, true)
        if s then p = string.sub(p, 1, s - 1) .. string.format('%07d', n) .. string.sub(p, e + 1) end
        redis.call('XADD', @stream, '0-' .. n, 'p', p)
        redis.call('PEXPIRE', @seq, @ttl)
        redis.call('PEXPIRE', @stream, @ttl)
        redis.call('PUBLISH', @channel, @id .. '\n' .. n .. '\n' .. p)
        return n
        """);

    private readonly RedisConnection _redis;
    private readonly IOptions<RetentionOptions> _retention;
    private readonly LocalSubscribers _subscribers = new();
    private readonly RedisChannel _channel;
    private readonly Lazy<Task> _subscription;

    public RedisActivityStreamStore(RedisConnection redis, IOptions<RetentionOptions> retention)
    {
        _redis = redis;
        _retention = retention;
        _channel = RedisChannel.Literal(redis.Prefix + "dl:appended");
        _subscription = new Lazy<Task>(SubscribeAsync);
    }

    public int LocalStreamCount => _subscribers.StreamCount;

    public RedisKey SequenceKey(string streamId) => _redis.Key("dl:{" + streamId + "}:n");

    public RedisKey StreamKey(string streamId) => _redis.Key("dl:{" + streamId + "}:s");

    public Task<bool> CreateAsync(string streamId, CancellationToken cancellationToken) =>
        _redis.Database.StringSetAsync(SequenceKey(streamId), 0, _retention.Value.Conversation, When.NotExists);

    public Task<bool> ExistsAsync(string streamId, CancellationToken cancellationToken) =>
        _redis.Database.KeyExistsAsync(SequenceKey(streamId));

    public async Task<StreamEntry?> AppendAsync(string streamId, string payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var watermark = (long)await AppendScript.EvaluateAsync(_redis.Database, new
        {
            seq = SequenceKey(streamId),
            stream = StreamKey(streamId),
            payload,
            marker = IActivityStreamStore.WatermarkMarker,
            ttl = (long)_retention.Value.Conversation.TotalMilliseconds,
            channel = _channel.ToString(),
            id = streamId,
        }).ConfigureAwait(false);
        return watermark < 0 ? null : new StreamEntry(watermark, InProcessActivityStreamStore.ReplaceMarker(payload, watermark));
    }

    public async Task<IReadOnlyList<StreamEntry>> ReadAsync(string streamId, long afterWatermark, int maxCount, CancellationToken cancellationToken)
    {
        var entries = await _redis.Database.StreamRangeAsync(StreamKey(streamId),
            "(0-" + afterWatermark.ToString(CultureInfo.InvariantCulture), "+", maxCount).ConfigureAwait(false);
        return [.. entries.Select(e => new StreamEntry(WatermarkOf(e.Id), e.Values[0].Value.ToString()))];
    }

    public async Task<long?> GetWatermarkAsync(string streamId, CancellationToken cancellationToken)
    {
        var value = await _redis.Database.StringGetAsync(SequenceKey(streamId)).ConfigureAwait(false);
        return value.IsNull ? null : (long)value;
    }

    public Task DeleteAsync(string streamId, CancellationToken cancellationToken) =>
        _redis.Database.KeyDeleteAsync([SequenceKey(streamId), StreamKey(streamId)]);

    public IDisposable Subscribe(string streamId, Action<StreamEntry> onAppended)
    {
        _ = _subscription.Value;
        return _subscribers.Add(streamId, onAppended);
    }

    /// <summary>Completes when this host listens for appends from other hosts.</summary>
    public Task EnsureSubscribedAsync() => _subscription.Value;

    public void Dispose()
    {
        if (_subscription.IsValueCreated)
        {
            _redis.Multiplexer.GetSubscriber().Unsubscribe(_channel);
        }
    }

    private async Task SubscribeAsync()
    {
        // A message queue delivers in publish order; plain handlers may run concurrently and reorder.
        var queue = await _redis.Multiplexer.GetSubscriber().SubscribeAsync(_channel).ConfigureAwait(false);
        queue.OnMessage(message => OnMessage(message.Message));
    }

    private void OnMessage(RedisValue message)
    {
        var text = message.ToString();
        var first = text.IndexOf('\n', StringComparison.Ordinal);
        var second = first < 0 ? -1 : text.IndexOf('\n', first + 1);
        if (second < 0)
        {
            return;
        }

        var streamId = text[..first];
        if (!_subscribers.HasSubscribers(streamId)
            || !long.TryParse(text.AsSpan(first + 1, second - first - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var watermark))
        {
            return;
        }

        _subscribers.Publish(streamId, new StreamEntry(watermark, text[(second + 1)..]));
    }

    private static long WatermarkOf(RedisValue id)
    {
        var s = id.ToString();
        return long.Parse(s.AsSpan(s.IndexOf('-', StringComparison.Ordinal) + 1), NumberStyles.None, CultureInfo.InvariantCulture);
    }
}
