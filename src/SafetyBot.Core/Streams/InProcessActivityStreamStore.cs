using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Options;
using SafetyBot.Core.Storage;

namespace SafetyBot.Core.Streams;

public sealed class InProcessActivityStreamStore(IOptions<RetentionOptions> retention, TimeProvider clock) : IActivityStreamStore
{
    private readonly ConcurrentDictionary<string, Stream> _streams = new(StringComparer.Ordinal);
    private readonly LocalSubscribers _subscribers = new();

    public Task<bool> CreateAsync(string streamId, CancellationToken cancellationToken)
    {
        var fresh = new Stream(Expiry());
        var stored = _streams.AddOrUpdate(streamId, fresh, (_, existing) => existing.ExpiresAt <= clock.GetUtcNow() ? fresh : existing);
        return Task.FromResult(ReferenceEquals(stored, fresh));
    }

    public Task<bool> ExistsAsync(string streamId, CancellationToken cancellationToken) =>
        Task.FromResult(TryGet(streamId, out _));

    public Task<StreamEntry?> AppendAsync(string streamId, string payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (!TryGet(streamId, out var stream))
        {
            return Task.FromResult<StreamEntry?>(null);
        }

        StreamEntry entry;
        lock (stream)
        {
            var watermark = stream.Entries.Count + 1L;
            entry = new StreamEntry(watermark, ReplaceMarker(payload, watermark));
            stream.Entries.Add(entry);
            stream.ExpiresAt = Expiry();
        }

        _subscribers.Publish(streamId, entry);
        return Task.FromResult<StreamEntry?>(entry);
    }

    public Task<IReadOnlyList<StreamEntry>> ReadAsync(string streamId, long afterWatermark, int maxCount, CancellationToken cancellationToken)
    {
        if (!TryGet(streamId, out var stream))
        {
            return Task.FromResult<IReadOnlyList<StreamEntry>>([]);
        }

        lock (stream)
        {
            var start = (int)Math.Clamp(afterWatermark, 0, stream.Entries.Count);
            var count = Math.Min(maxCount, stream.Entries.Count - start);
            return Task.FromResult<IReadOnlyList<StreamEntry>>(stream.Entries.GetRange(start, count));
        }
    }

    public Task<long?> GetWatermarkAsync(string streamId, CancellationToken cancellationToken)
    {
        if (!TryGet(streamId, out var stream))
        {
            return Task.FromResult<long?>(null);
        }

        lock (stream)
        {
            return Task.FromResult<long?>(stream.Entries.Count);
        }
    }

    public Task DeleteAsync(string streamId, CancellationToken cancellationToken)
    {
        _streams.TryRemove(streamId, out _);
        return Task.CompletedTask;
    }

    public IDisposable Subscribe(string streamId, Action<StreamEntry> onAppended) => _subscribers.Add(streamId, onAppended);

    public static string ReplaceMarker(string payload, long watermark)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var at = payload.IndexOf(IActivityStreamStore.WatermarkMarker, StringComparison.Ordinal);
        return at < 0
            ? payload
            : string.Concat(payload.AsSpan(0, at), watermark.ToString("D7", CultureInfo.InvariantCulture),
                payload.AsSpan(at + IActivityStreamStore.WatermarkMarker.Length));
    }

    private DateTimeOffset Expiry() => clock.GetUtcNow() + retention.Value.Conversation;

    private bool TryGet(string streamId, out Stream stream)
    {
        if (_streams.TryGetValue(streamId, out stream!) && stream.ExpiresAt > clock.GetUtcNow())
        {
            return true;
        }

        return false;
    }

    private sealed class Stream(DateTimeOffset expiresAt)
    {
        public List<StreamEntry> Entries { get; } = [];

        public DateTimeOffset ExpiresAt { get; set; } = expiresAt;
    }
}

/// <summary>Subscribers of this host, per stream; used by every store to fan out notifications.</summary>
public sealed class LocalSubscribers
{
    private readonly ConcurrentDictionary<string, ImmutableSubscriberList> _byStream = new(StringComparer.Ordinal);

    public int StreamCount => _byStream.Count;

    public bool HasSubscribers(string streamId) => _byStream.ContainsKey(streamId);

    public IDisposable Add(string streamId, Action<StreamEntry> callback)
    {
        _byStream.AddOrUpdate(streamId, _ => new ImmutableSubscriberList([callback]), (_, list) => list.With(callback));
        return new Subscription(this, streamId, callback);
    }

    public void Publish(string streamId, StreamEntry entry)
    {
        if (!_byStream.TryGetValue(streamId, out var list))
        {
            return;
        }

        foreach (var callback in list.Callbacks)
        {
            callback(entry);
        }
    }

    private void Remove(string streamId, Action<StreamEntry> callback)
    {
        while (_byStream.TryGetValue(streamId, out var list))
        {
            var updated = list.Without(callback);
            if (updated.Callbacks.Length == 0
                ? _byStream.TryRemove(new KeyValuePair<string, ImmutableSubscriberList>(streamId, list))
                : _byStream.TryUpdate(streamId, updated, list))
            {
                return;
            }
        }
    }

    private sealed record ImmutableSubscriberList(Action<StreamEntry>[] Callbacks)
    {
        public ImmutableSubscriberList With(Action<StreamEntry> c) => new([.. Callbacks, c]);

        public ImmutableSubscriberList Without(Action<StreamEntry> c) => new([.. Callbacks.Where(x => x != c)]);
    }

    private sealed class Subscription(LocalSubscribers owner, string streamId, Action<StreamEntry> callback) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Remove(streamId, callback);
            }
        }
    }
}
