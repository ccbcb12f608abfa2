using System.Collections.Concurrent;
using System.Globalization;

namespace SafetyBot.Core.Delivery;

/// <summary>Delivery queues in this process's memory: the default without Redis; lost when the process stops.</summary>
public sealed class InProcessPostboxes(TimeProvider clock) : IPostboxes
{
    private readonly ConcurrentDictionary<string, InProcessPostbox> _queues = new(StringComparer.Ordinal);

    public IPostbox Open(string name, DeliveryPacing pacing) =>
        _queues.GetOrAdd(name, n => new InProcessPostbox(n, pacing, clock));
}

/// <summary>
/// One in-process queue with the same rules as the Redis one: lines scheduled by due time (urgent lines apart and
/// first), a lease per line while its first item is out, a rate per second, receipts and id logs.
/// </summary>
public sealed class InProcessPostbox(string name, DeliveryPacing pacing, TimeProvider clock) : IPostbox
{
    private static readonly long IdLifetime = (long)Postboxes.ReceiptLifetime.TotalMilliseconds;
    private readonly object _gate = new();
    private readonly Dictionary<string, Line> _lines = new(StringComparer.Ordinal);
    private readonly SortedSet<(long Due, long Seq, string Id)> _ready = [];
    private readonly SortedSet<(long Due, long Seq, string Id)> _urgent = [];
    private const int MaxReceipts = 100_000;
    private readonly Dictionary<string, long> _receipts = new(StringComparer.Ordinal);
    private readonly Queue<(string Receipt, long Until)> _receiptOrder = new();
    private readonly SortedSet<(long Until, string Id)> _leased = []; // lines out with a sender, by when their lease runs out
    private readonly SortedSet<(long At, long Seq)> _handedOut = []; // the rate window: hand-outs, stamped again when they leave their lease
    private long _seq;

    public string Name { get; } = name;

    public DeliveryPacing Pacing { get; } = pacing;

    public event Action? Added;

    public Task<bool> AddAsync(string line, IReadOnlyList<DeliveryItem> items, string? receipt = null, long? receivedId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        var now = Now();
        lock (_gate)
        {
            if (receipt is not null)
            {
                ForgetOldReceipts(now);
                var until = now + (long)Postboxes.ReceiptLifetime.TotalMilliseconds;
                if (!_receipts.TryAdd(receipt, until))
                {
                    return Task.FromResult(false);
                }

                _receiptOrder.Enqueue((receipt, until));
            }

            var id = Postboxes.LineId(line);
            var entry = LineOf(id);
            entry.Ids.RemoveAll(i => i.At < now - IdLifetime);
            if (receivedId is { } received)
            {
                entry.Ids.Add((received, now));
            }

            var urgent = items.Where(i => i.Urgent).ToList();
            for (var i = urgent.Count - 1; i >= 0; i--)
            {
                entry.Items.AddFirst(urgent[i]);
            }

            foreach (var item in items.Where(i => !i.Urgent))
            {
                entry.Items.AddLast(item);
            }

            // A line already scheduled keeps its place, unless an urgent item now leads it.
            if (!entry.Leased && entry.Items.First is { } head && (entry.Slot is not { } slot || (head.Value.Urgent && !_urgent.Contains(slot))))
            {
                Schedule(id, entry, Math.Max(now, entry.NotBefore), now);
            }
        }

        if (items.Count > 0)
        {
            Added?.Invoke();
        }

        return Task.FromResult(true);
    }

    public Task<bool[]> HaveReceiptsAsync(IReadOnlyList<string> receipts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(receipts);
        var now = Now();
        lock (_gate)
        {
            return Task.FromResult(receipts.Select(r => _receipts.TryGetValue(r, out var until) && until > now).ToArray());
        }
    }

    public Task<DeliveryTake> TakeAsync(CancellationToken cancellationToken = default)
    {
        var now = Now();
        lock (_gate)
        {
            while (_leased.Count > 0 && _leased.Min.Until <= now)
            {
                var id = _leased.Min.Id;
                var expired = _lines[id];
                Release(id, expired);
                Schedule(id, expired, now, now);
            }

            while (_handedOut.Count > 0 && _handedOut.Min.At <= now - (long)Pacing.RateWindow.TotalMilliseconds)
            {
                _handedOut.Remove(_handedOut.Min);
            }

            var limited = Pacing.PerSecond > 0;
            var used = _handedOut.Count;
            SortedSet<(long Due, long Seq, string Id)>? from = null;
            if (_urgent.Count > 0 && _urgent.Min.Due <= now && (!limited || used < Pacing.PerSecond))
            {
                from = _urgent;
            }
            else if (_ready.Count > 0 && _ready.Min.Due <= now && (!limited || (used < Pacing.PerSecond - Pacing.UrgentReserve
                && _handedOut.Count(h => h.At > now - (long)Pacing.OrdinarySpacing.TotalMilliseconds) < Pacing.OrdinaryBurst)))
            {
                from = _ready;
            }

            if (from is null)
            {
                return Task.FromResult(new DeliveryTake(null, NextIn(now)));
            }

            var slot = from.Min;
            from.Remove(slot);
            var line = _lines[slot.Id];
            line.Slot = null;
            line.Leased = true;
            line.LeaseUntil = now + (long)Pacing.Lease.TotalMilliseconds;
            _leased.Add((line.LeaseUntil, slot.Id));
            string? handOut = null;
            if (limited)
            {
                var seq = ++_seq;
                _handedOut.Add((now, seq));
                handOut = now.ToString(CultureInfo.InvariantCulture) + ":" + seq.ToString(CultureInfo.InvariantCulture);
            }

            return Task.FromResult(new DeliveryTake(new DeliveryLease(slot.Id, line.Items.First!.Value, handOut), null));
        }
    }

    public async Task<(bool Completed, DeliveryTake Next)> CompleteAndTakeAsync(DeliveryLease lease, long? sentId = null, CancellationToken cancellationToken = default)
    {
        var completed = await CompleteAsync(lease, sentId, cancellationToken).ConfigureAwait(false);
        return (completed, await TakeAsync(cancellationToken).ConfigureAwait(false));
    }

    public Task<bool> CompleteAsync(DeliveryLease lease, long? sentId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var now = Now();
        lock (_gate)
        {
            Restamp(lease, now);
            if (!_lines.TryGetValue(lease.Line, out var line))
            {
                return Task.FromResult(false);
            }

            var node = line.Items.First;
            while (node is not null && node.Value.Id != lease.Item.Id)
            {
                node = node.Next;
            }

            if (node is null)
            {
                return Task.FromResult(false);
            }

            line.Items.Remove(node);
            if (sentId is { } sent)
            {
                line.Ids.Add((sent, now));
            }

            Release(lease.Line, line);
            line.NotBefore = now + (long)Pacing.PerLine.TotalMilliseconds;
            Schedule(lease.Line, line, line.NotBefore, now);
            return Task.FromResult(true);
        }
    }

    public Task RetryAsync(DeliveryLease lease, TimeSpan after, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var now = Now();
        var at = now + (long)after.TotalMilliseconds;
        lock (_gate)
        {
            Restamp(lease, now);
            if (_lines.TryGetValue(lease.Line, out var line) && line.Leased)
            {
                Release(lease.Line, line);
                Schedule(lease.Line, line, at, at);
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<long>> ClearAsync(string line, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        var id = Postboxes.LineId(line);
        lock (_gate)
        {
            if (!_lines.Remove(id, out var entry))
            {
                return Task.FromResult<IReadOnlyList<long>>([]);
            }

            Unschedule(entry);
            Release(id, entry);
            var from = since.ToUnixTimeMilliseconds();
            return Task.FromResult<IReadOnlyList<long>>(entry.Ids.Where(i => i.At >= from).Select(i => i.Id).Distinct().ToList());
        }
    }

    public Task<long> PendingLinesAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult((long)_lines.Values.Count(l => l.Items.Count > 0));
        }
    }

    private long Now() => clock.GetUtcNow().ToUnixTimeMilliseconds();

    private void Release(string id, Line line)
    {
        if (line.Leased)
        {
            _leased.Remove((line.LeaseUntil, id));
            line.Leased = false;
        }
    }

    private Line LineOf(string id)
    {
        if (!_lines.TryGetValue(id, out var line))
        {
            _lines[id] = line = new Line();
        }

        return line;
    }

    // A line is in at most one of the two schedules, by whether its first item is urgent; an empty line in none.
    private void Schedule(string id, Line line, long ordinaryDue, long urgentDue)
    {
        Unschedule(line);
        if (line.Items.First is not { } first)
        {
            if (line.Ids.Count == 0)
            {
                _lines.Remove(id);
            }

            return;
        }

        var slot = first.Value.Urgent ? (urgentDue, ++_seq, id) : (ordinaryDue, ++_seq, id);
        (first.Value.Urgent ? _urgent : _ready).Add(slot);
        line.Slot = slot;
    }

    private void Unschedule(Line line)
    {
        if (line.Slot is { } slot)
        {
            _ready.Remove(slot);
            _urgent.Remove(slot);
            line.Slot = null;
        }
    }

    // A hand-out counts in the rate window until a window after it left its lease (Telegram counts a message when it arrives).
    private void Restamp(DeliveryLease lease, long now)
    {
        if (lease.HandOut?.Split(':') is [var at, var seq]
            && long.TryParse(at, CultureInfo.InvariantCulture, out var stamped) && long.TryParse(seq, CultureInfo.InvariantCulture, out var number))
        {
            _handedOut.Remove((stamped, number));
            _handedOut.Add((now, number));
        }
    }

    private TimeSpan? NextIn(long now)
    {
        long? next = null;
        if (_urgent.Count > 0)
        {
            next = _urgent.Min.Due;
        }

        if (_ready.Count > 0)
        {
            next = Math.Min(next ?? long.MaxValue, _ready.Min.Due);
        }

        if (next is null)
        {
            return _leased.Count > 0 ? TimeSpan.FromMilliseconds(Math.Max(1, _leased.Min.Until - now)) : null;
        }

        var wait = Math.Max(next.Value - now, 0);
        if (Pacing.PerSecond > 0 && next <= now && _handedOut.Count > 0)
        {
            // The rate holds it back: until the oldest hand-out leaves the window, or (ordinary items spread out)
            // until the last burst leaves the spacing.
            wait = _handedOut.Count >= Pacing.PerSecond - Pacing.UrgentReserve
                ? _handedOut.Min.At + (long)Pacing.RateWindow.TotalMilliseconds - now
                : _handedOut.ElementAt(Math.Max(0, _handedOut.Count - Pacing.OrdinaryBurst)).At + (long)Pacing.OrdinarySpacing.TotalMilliseconds - now;
        }

        return TimeSpan.FromMilliseconds(Math.Max(1, wait));
    }

    // Receipts expire; in one process (one host, no Redis) at most the newest 100,000 are kept, which covers the
    // updates Telegram may still deliver again by far.
    private void ForgetOldReceipts(long now)
    {
        while (_receiptOrder.TryPeek(out var oldest) && (oldest.Until <= now || _receiptOrder.Count >= MaxReceipts))
        {
            _receiptOrder.Dequeue();
            _receipts.Remove(oldest.Receipt);
        }
    }

    private sealed class Line
    {
        public LinkedList<DeliveryItem> Items { get; } = new();

        public List<(long Id, long At)> Ids { get; } = [];

        public (long Due, long Seq, string Id)? Slot { get; set; }

        public bool Leased { get; set; }

        public long LeaseUntil { get; set; }

        public long NotBefore { get; set; }
    }
}
