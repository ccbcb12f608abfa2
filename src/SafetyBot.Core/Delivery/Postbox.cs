using System.Security.Cryptography;
using System.Text;

namespace SafetyBot.Core.Delivery;

/// <summary>One message waiting to go out: a 16-character id, whether it jumps the queue, and its sealed payload.</summary>
public sealed record DeliveryItem(string Id, bool Urgent, byte[] Payload)
{
    public const int IdLength = 16;

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdLength / 2));
}

/// <summary>An item handed to one sender until it completes or retries it (or the lease runs out).</summary>
/// <param name="HandOut">This hand-out's entry in the queue's rate window (paced queues): when the item leaves the lease
/// (sent or retried) the entry is stamped again, so a send that took long still counts for a whole window after it.</param>
public sealed record DeliveryLease(string Line, DeliveryItem Item, string? HandOut = null);

/// <summary>What <see cref="IPostbox.TakeAsync"/> found: an item, or how long until one may be due (null: nothing waits).</summary>
public readonly record struct DeliveryTake(DeliveryLease? Lease, TimeSpan? NextIn);

/// <summary>How a queue paces its lines.</summary>
public sealed record DeliveryPacing
{
    /// <summary>Least time between two items of one line (Telegram: about one message a second per chat).</summary>
    public TimeSpan PerLine { get; init; }

    /// <summary>Items handed out per second over all lines and hosts; 0: no limit.</summary>
    public int PerSecond { get; init; }

    /// <summary>Of <see cref="PerSecond"/>, how many are kept for urgent items each second.</summary>
    public int UrgentReserve { get; init; }

    /// <summary>
    /// The sliding window <see cref="PerSecond"/> counts in: at most that many hand-outs in any window. A little over
    /// a second leaves room for the time a message takes to reach the other end.
    /// </summary>
    public TimeSpan RateWindow { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Ordinary items are spread over the window, at most this many within <see cref="OrdinarySpacing"/>, so a burst of
    /// them never fills the window and an urgent item always finds room within a fraction of it.
    /// </summary>
    public int OrdinaryBurst => Math.Max(1, UrgentReserve);

    public TimeSpan OrdinarySpacing => PerSecond - UrgentReserve > 0
        ? RateWindow * OrdinaryBurst / (PerSecond - UrgentReserve)
        : RateWindow;

    /// <summary>How long a sender holds an item before another may take it (the holder stopped or crashed).</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// A durable outgoing (or incoming) queue made of one first-in-first-out line per conversation. Lines are handed
/// out one item at a time under a lease, so one conversation's items go in order and never two at once; urgent
/// items go ahead of their line and their line goes ahead of every other line; a line waits
/// <see cref="DeliveryPacing.PerLine"/> between items and the whole queue keeps to <see cref="DeliveryPacing.PerSecond"/>.
/// Adding with a receipt happens at most once per receipt, atomically, which is how an update is answered once
/// even when it is delivered twice or to two hosts. Each line also keeps the message ids recorded for it (sent or
/// received), for quick exit; clearing a line drops what waits in it and returns those ids.
/// </summary>
public interface IPostbox
{
    string Name { get; }

    DeliveryPacing Pacing { get; }

    /// <summary>Raised (on any host sharing the queue) when items were added; senders wake on it.</summary>
    event Action? Added;

    /// <summary>
    /// Appends items to the line (urgent ones ahead of its ordinary ones, in their order) and records
    /// <paramref name="receivedId"/> in its id log. With a receipt, does so only if the receipt is new, and keeps the
    /// receipt for <see cref="Postboxes.ReceiptLifetime"/>. Returns false when the receipt was already there.
    /// </summary>
    Task<bool> AddAsync(string line, IReadOnlyList<DeliveryItem> items, string? receipt = null, long? receivedId = null, CancellationToken cancellationToken = default);

    /// <summary>For each receipt, whether it is there (in one round trip: a polled batch of updates is checked at once).</summary>
    Task<bool[]> HaveReceiptsAsync(IReadOnlyList<string> receipts, CancellationToken cancellationToken = default);

    /// <summary>The first item of the line due first (urgent lines first), leased to the caller.</summary>
    Task<DeliveryTake> TakeAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes a delivered item and records <paramref name="sentId"/> in the line's id log. False when the line was
    /// cleared while the item was out (quick exit): the caller should take back what it delivered.
    /// </summary>
    Task<bool> CompleteAsync(DeliveryLease lease, long? sentId = null, CancellationToken cancellationToken = default);

    /// <summary>A sender's usual step in one round trip: <see cref="CompleteAsync"/>, then <see cref="TakeAsync"/>.</summary>
    Task<(bool Completed, DeliveryTake Next)> CompleteAndTakeAsync(DeliveryLease lease, long? sentId = null, CancellationToken cancellationToken = default);

    /// <summary>Leaves the item first in its line, due again after <paramref name="after"/>.</summary>
    Task RetryAsync(DeliveryLease lease, TimeSpan after, CancellationToken cancellationToken = default);

    /// <summary>Drops everything waiting in the line and its id log; returns the ids recorded since <paramref name="since"/>.</summary>
    Task<IReadOnlyList<long>> ClearAsync(string line, DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>How many lines have items waiting or out.</summary>
    Task<long> PendingLinesAsync(CancellationToken cancellationToken = default);
}

/// <summary>Creates the named queues of this host (in process, or in Redis when configured).</summary>
public interface IPostboxes
{
    IPostbox Open(string name, DeliveryPacing pacing);
}

public static class Postboxes
{
    /// <summary>Telegram delivers an update again for up to 24 hours; receipts outlive that.</summary>
    public static readonly TimeSpan ReceiptLifetime = TimeSpan.FromHours(48);

    /// <summary>The id of a line in storage: a hash, so no conversation or chat id is stored as a name.</summary>
    public static string LineId(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(line), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }
}
