using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Bot.Builder;
using Microsoft.Extensions.Options;

namespace SafetyBot.Core.Storage;

/// <summary>
/// The default <see cref="IStorage"/>: process memory with Bot Builder's ETag contract and the same
/// retention limit as the Redis store. Values are kept serialised so a caller that mutates an object
/// after writing it cannot change what is stored.
/// </summary>
public sealed class InProcessStorage(IOptions<RetentionOptions> retention, TimeProvider clock) : IStorage
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _writeLock = new();
    private long _etag;

    public Task<IDictionary<string, object>> ReadAsync(string[] keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var now = clock.GetUtcNow();
        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (_entries.TryGetValue(key, out var entry) && entry.ExpiresAt > now)
            {
                var value = StoreItemSerializer.Deserialize(entry.Json);
                if (value is null)
                {
                    continue;
                }

                if (value is IStoreItem item)
                {
                    item.ETag = entry.ETag;
                }

                result[key] = value;
            }
        }

        return Task.FromResult<IDictionary<string, object>>(result);
    }

    public Task WriteAsync(IDictionary<string, object> changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var expiresAt = clock.GetUtcNow() + retention.Value.Conversation;
        lock (_writeLock)
        {
            foreach (var (key, value) in changes)
            {
                ArgumentNullException.ThrowIfNull(value, nameof(changes));
                if (value is IStoreItem item && item.ETag != "*"
                    && _entries.TryGetValue(key, out var current) && current.ExpiresAt > clock.GetUtcNow()
                    && !string.Equals(item.ETag, current.ETag, StringComparison.Ordinal))
                {
                    throw new StorageConflictException(key);
                }
            }

            foreach (var (key, value) in changes)
            {
                var etag = Interlocked.Increment(ref _etag).ToString(CultureInfo.InvariantCulture);
                _entries[key] = new Entry(StoreItemSerializer.Serialize(value), etag, expiresAt);
            }
        }

        Sweep();
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string[] keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var key in keys)
        {
            _entries.TryRemove(key, out _);
        }

        return Task.CompletedTask;
    }

    private void Sweep()
    {
        // Occasional sweep keeps expired conversations from piling up without a timer.
        if (Interlocked.Read(ref _etag) % 1024 != 0)
        {
            return;
        }

        var now = clock.GetUtcNow();
        foreach (var (key, entry) in _entries)
        {
            if (entry.ExpiresAt <= now)
            {
                _entries.TryRemove(key, out _);
            }
        }
    }

    private sealed record Entry(string Json, string ETag, DateTimeOffset ExpiresAt);
}

/// <summary>A write carried an ETag that no longer matches the stored item.</summary>
public sealed class StorageConflictException : InvalidOperationException
{
    public StorageConflictException(string key)
        : base($"ETag conflict on a stored item (key length {key?.Length ?? 0}).")
    {
    }

    public StorageConflictException()
    {
    }

    public StorageConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
