namespace SafetyBot.Core.Handoff;

/// <summary>Who goes first: a crisis, then someone under 18, then everyone else (first come, first served within a band).</summary>
public enum PriorityBand
{
    Crisis = 0,
    UnderEighteen = 1,
    Other = 2,
}

/// <summary>A conversation waiting for a person: what staff need to choose and route it, and how to reach it.</summary>
public sealed record WaitingEntry(
    string Conversation,
    string Channel,
    string ConversationId,
    string Language,
    string? Country,
    PriorityBand Band,
    DateTimeOffset EnqueuedAt,
    string? Topic,
    IReadOnlyList<string> Signals,
    string? Reference);

public static class WaitingStates
{
    public const string Waiting = "waiting";
    public const string Claimed = "claimed";
    public const string Dead = "dead";
}

/// <summary>An entry with where it is: its place in line while waiting, or who holds it and until when.</summary>
public sealed record WaitingStatus(WaitingEntry Entry, string State, string? Agent, int Deliveries, DateTimeOffset? LeaseUntil, int? Position)
{
    /// <summary>The place in line the person was last told.</summary>
    public int? Told { get; init; }
}

public enum ClaimOutcome
{
    Won,
    TakenByOther,
    Gone,
}

public sealed record ClaimResult(ClaimOutcome Outcome, string? Agent);

/// <summary>
/// The hotline's waiting room. A conversation has at most one entry; claiming it is atomic (two staff at once: one
/// wins, the other is told who has it); a claim is a lease that its holder renews, and a claim whose holder
/// stopped renewing (a host that died) goes back into line at its old place; an entry handed out too often goes
/// to the dead-letter list that supervisors see. <see cref="Changed"/> fires on every host when anything changes.
/// </summary>
public interface IWaitingRoom
{
    event Action? Changed;

    /// <summary>Puts the conversation in line (again: keeps its place) and returns its place, or 0 when someone has it already.</summary>
    ValueTask<int> EnqueueAsync(WaitingEntry entry, CancellationToken cancellationToken = default);

    ValueTask<WaitingStatus?> FindAsync(string conversation, CancellationToken cancellationToken = default);

    /// <summary>The entry whose public hotline id (<see cref="HotlineIds.Of"/>) is <paramref name="id"/>, or null.</summary>
    ValueTask<WaitingStatus?> FindByIdAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Waiting entries in the order staff should take them, then claimed ones, then dead letters.</summary>
    ValueTask<IReadOnlyList<WaitingStatus>> ListAsync(CancellationToken cancellationToken = default);

    ValueTask<ClaimResult> ClaimAsync(string conversation, string agent, TimeSpan lease, CancellationToken cancellationToken = default);

    ValueTask<bool> RenewAsync(string conversation, string agent, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>Takes whoever is first in line (crisis first), or null when nobody waits.</summary>
    ValueTask<WaitingEntry?> ClaimNextAsync(string agent, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>The holder gives the conversation back to the line (a transfer to the queue), at its old place.</summary>
    ValueTask<bool> ReleaseAsync(string conversation, string agent, CancellationToken cancellationToken = default);

    /// <summary>Removes the entry whatever its state (closed, returned to the bot, cancelled, erased). True when there was one.</summary>
    ValueTask<bool> RemoveAsync(string conversation, CancellationToken cancellationToken = default);

    /// <summary>Claims whose lease ran out go back into line; those handed out <paramref name="maxDeliveries"/> times become dead letters.</summary>
    ValueTask<IReadOnlyList<string>> ReclaimExpiredAsync(int maxDeliveries, CancellationToken cancellationToken = default);

    ValueTask SetPresenceAsync(string agent, bool online, TimeSpan ttl, CancellationToken cancellationToken = default);

    ValueTask<int> StaffOnlineAsync(CancellationToken cancellationToken = default);

    /// <summary>Moves the conversation to a more urgent band (a crisis while waiting), keeping its arrival time; never to a less urgent one.</summary>
    ValueTask<bool> EscalateAsync(string conversation, PriorityBand band, CancellationToken cancellationToken = default);

    /// <summary>Remembers the place in line the person was told, so they hear again only when it changes.</summary>
    ValueTask MarkToldAsync(string conversation, int position, CancellationToken cancellationToken = default);

    /// <summary>One host at a time looks after the line (returns abandoned claims, tells people their new place): true when it is this one.</summary>
    ValueTask<bool> TryLeadAsync(string holder, TimeSpan ttl, CancellationToken cancellationToken = default);
}

/// <summary>The waiting room inside one process (when Redis is not configured).</summary>
public sealed class InProcessWaitingRoom(TimeProvider clock) : IWaitingRoom
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Item> _items = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _presence = new(StringComparer.Ordinal);

    public event Action? Changed;

    public ValueTask<int> EnqueueAsync(WaitingEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        int position;
        lock (_gate)
        {
            if (_items.TryGetValue(entry.Conversation, out var existing) && existing.State != WaitingStates.Dead)
            {
                return ValueTask.FromResult(existing.State == WaitingStates.Waiting ? PositionOf(entry.Conversation) : 0);
            }

            _items[entry.Conversation] = new Item(entry) { State = WaitingStates.Waiting };
            position = PositionOf(entry.Conversation);
            _items[entry.Conversation].Told = position;
        }

        Changed?.Invoke();
        return ValueTask.FromResult(position);
    }

    public ValueTask<WaitingStatus?> FindAsync(string conversation, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_items.TryGetValue(conversation, out var item) ? StatusOf(item) : null);
        }
    }

    public ValueTask<WaitingStatus?> FindByIdAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var item = _items.Values.FirstOrDefault(i => HotlineIds.Of(i.Entry.Conversation) == id);
            return ValueTask.FromResult(item is null ? null : StatusOf(item));
        }
    }

    public ValueTask<IReadOnlyList<WaitingStatus>> ListAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var waiting = Ordered().Select(StatusOf);
            var claimed = _items.Values.Where(i => i.State == WaitingStates.Claimed).OrderBy(i => i.LeaseUntil).Select(StatusOf);
            var dead = _items.Values.Where(i => i.State == WaitingStates.Dead).OrderBy(i => i.Entry.EnqueuedAt).Select(StatusOf);
            return ValueTask.FromResult<IReadOnlyList<WaitingStatus>>([.. waiting, .. claimed, .. dead]);
        }
    }

    public ValueTask<ClaimResult> ClaimAsync(string conversation, string agent, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ClaimResult result;
        lock (_gate)
        {
            if (!_items.TryGetValue(conversation, out var item) || item.State == WaitingStates.Dead)
            {
                return ValueTask.FromResult(new ClaimResult(ClaimOutcome.Gone, null));
            }

            if (item.State == WaitingStates.Claimed)
            {
                return ValueTask.FromResult(new ClaimResult(ClaimOutcome.TakenByOther, item.Agent));
            }

            item.State = WaitingStates.Claimed;
            item.Agent = agent;
            item.Deliveries++;
            item.LeaseUntil = clock.GetUtcNow() + lease;
            result = new ClaimResult(ClaimOutcome.Won, agent);
        }

        Changed?.Invoke();
        return ValueTask.FromResult(result);
    }

    public async ValueTask<WaitingEntry?> ClaimNextAsync(string agent, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            WaitingEntry? first;
            lock (_gate)
            {
                first = Ordered().FirstOrDefault()?.Entry;
            }

            if (first is null)
            {
                return null;
            }

            if ((await ClaimAsync(first.Conversation, agent, lease, cancellationToken).ConfigureAwait(false)).Outcome == ClaimOutcome.Won)
            {
                return first;
            }
        }
    }

    public ValueTask<bool> RenewAsync(string conversation, string agent, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_items.TryGetValue(conversation, out var item) && item.State == WaitingStates.Claimed && item.Agent == agent)
            {
                item.LeaseUntil = clock.GetUtcNow() + lease;
                return ValueTask.FromResult(true);
            }

            return ValueTask.FromResult(false);
        }
    }

    public ValueTask<bool> ReleaseAsync(string conversation, string agent, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_items.TryGetValue(conversation, out var item) || item.State != WaitingStates.Claimed || item.Agent != agent)
            {
                return ValueTask.FromResult(false);
            }

            item.State = WaitingStates.Waiting;
            item.Agent = null;
            item.LeaseUntil = null;
        }

        Changed?.Invoke();
        return ValueTask.FromResult(true);
    }

    public ValueTask<bool> RemoveAsync(string conversation, CancellationToken cancellationToken = default)
    {
        bool removed;
        lock (_gate)
        {
            removed = _items.Remove(conversation);
        }

        if (removed)
        {
            Changed?.Invoke();
        }

        return ValueTask.FromResult(removed);
    }

    public ValueTask<IReadOnlyList<string>> ReclaimExpiredAsync(int maxDeliveries, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        List<string> moved = [];
        lock (_gate)
        {
            foreach (var item in _items.Values.Where(i => i.State == WaitingStates.Claimed && i.LeaseUntil <= now))
            {
                item.State = item.Deliveries >= maxDeliveries ? WaitingStates.Dead : WaitingStates.Waiting;
                item.Agent = null;
                item.LeaseUntil = null;
                moved.Add(item.Entry.Conversation);
            }
        }

        if (moved.Count > 0)
        {
            Changed?.Invoke();
        }

        return ValueTask.FromResult<IReadOnlyList<string>>(moved);
    }

    public ValueTask SetPresenceAsync(string agent, bool online, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (online)
            {
                _presence[agent] = clock.GetUtcNow() + ttl;
            }
            else
            {
                _presence.Remove(agent);
            }
        }

        Changed?.Invoke();
        return ValueTask.CompletedTask;
    }

    public ValueTask<int> StaffOnlineAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            return ValueTask.FromResult(_presence.Values.Count(until => until > now));
        }
    }

    public ValueTask<bool> EscalateAsync(string conversation, PriorityBand band, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_items.TryGetValue(conversation, out var item) || item.Entry.Band <= band)
            {
                return ValueTask.FromResult(false);
            }

            item.Entry = item.Entry with { Band = band };
        }

        Changed?.Invoke();
        return ValueTask.FromResult(true);
    }

    public ValueTask MarkToldAsync(string conversation, int position, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_items.TryGetValue(conversation, out var item))
            {
                item.Told = position;
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> TryLeadAsync(string holder, TimeSpan ttl, CancellationToken cancellationToken = default) => ValueTask.FromResult(true);

    private IEnumerable<Item> Ordered() =>
        _items.Values.Where(i => i.State == WaitingStates.Waiting).OrderBy(i => i.Entry.Band).ThenBy(i => i.Entry.EnqueuedAt);

    private int PositionOf(string conversation) =>
        Ordered().Select((item, index) => (item, index)).First(x => x.item.Entry.Conversation == conversation).index + 1;

    private WaitingStatus StatusOf(Item item) =>
        new(item.Entry, item.State, item.Agent, item.Deliveries, item.LeaseUntil, item.State == WaitingStates.Waiting ? PositionOf(item.Entry.Conversation) : null)
        {
            Told = item.Told,
        };

    private sealed class Item(WaitingEntry entry)
    {
        public WaitingEntry Entry { get; set; } = entry;

        public string State { get; set; } = WaitingStates.Waiting;

        public string? Agent { get; set; }

        public int Deliveries { get; set; }

        public DateTimeOffset? LeaseUntil { get; set; }

        public int? Told { get; set; }
    }
}
