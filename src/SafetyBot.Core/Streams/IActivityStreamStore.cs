namespace SafetyBot.Core.Streams;

/// <summary>One stored activity of a channel conversation and its position (watermark) in the stream.</summary>
public readonly record struct StreamEntry(long Watermark, string Payload);

/// <summary>
/// Ordered, retention-limited streams of serialised activities per channel conversation, shared by every
/// host so that a client reconnecting to another host replays what it missed. The first occurrence of
/// <see cref="WatermarkMarker"/> in a payload is replaced, atomically with the append, by the watermark
/// the entry receives — so an activity id can carry its position.
/// </summary>
public interface IActivityStreamStore
{
    const string WatermarkMarker = "@@watermark@@";

    /// <summary>Creates the stream if it does not exist; returns false when it already existed.</summary>
    Task<bool> CreateAsync(string streamId, CancellationToken cancellationToken);

    Task<bool> ExistsAsync(string streamId, CancellationToken cancellationToken);

    /// <summary>Appends to an existing stream and returns the stored entry; null when the stream does not exist.</summary>
    Task<StreamEntry?> AppendAsync(string streamId, string payload, CancellationToken cancellationToken);

    /// <summary>Entries with a watermark greater than <paramref name="afterWatermark"/>, oldest first.</summary>
    Task<IReadOnlyList<StreamEntry>> ReadAsync(string streamId, long afterWatermark, int maxCount, CancellationToken cancellationToken);

    /// <summary>The watermark of the newest entry, 0 when empty, null when the stream does not exist.</summary>
    Task<long?> GetWatermarkAsync(string streamId, CancellationToken cancellationToken);

    Task DeleteAsync(string streamId, CancellationToken cancellationToken);

    /// <summary>
    /// Calls <paramref name="onAppended"/> for entries appended from now on, by any host. Delivery is a
    /// wake-up, not a guarantee: a subscriber that sees a gap in watermarks reads the stream.
    /// </summary>
    IDisposable Subscribe(string streamId, Action<StreamEntry> onAppended);
}
