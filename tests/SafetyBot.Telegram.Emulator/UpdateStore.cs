using System.Globalization;

namespace SafetyBot.Telegram.Emulator;

internal sealed record PendingUpdate(long Id, string Type, long ChatId, string Json);

/// <summary>
/// The bot's pending updates, in update_id order, as Telegram keeps them: getUpdates reads from the
/// front and its offset forgets what came before; a webhook removes each update once delivered.
/// </summary>
/// <remarks>
/// The one global lock of the emulator: ids must be assigned in queue order. It guards a few pointer
/// moves per update, never I/O.
/// </remarks>
internal sealed class UpdateStore
{
    // Telegram sends these only when asked for by name.
    private static readonly HashSet<string> OptInTypes = new(StringComparer.Ordinal)
    {
        "chat_member", "message_reaction", "message_reaction_count",
    };

    private readonly Lock _gate = new();
    private readonly LinkedList<PendingUpdate> _queue = new();
    private readonly Dictionary<long, LinkedListNode<PendingUpdate>> _byId = [];
    private long _lastId = 500_000_000;
    private HashSet<string>? _allowed;
    private IReadOnlyList<string>? _allowedAsGiven;
    private WebhookDispatcher? _dispatcher;

    public ChangeSignal Arrived { get; } = new();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    public IReadOnlyList<string>? AllowedUpdates
    {
        get
        {
            lock (_gate)
            {
                return _allowedAsGiven;
            }
        }
    }

    /// <summary>Queues an update unless allowed_updates excludes its type; returns the update_id (0 when dropped) and its JSON.</summary>
    /// <param name="body">The update without its id, e.g. <c>{"message":{...}}</c>.</param>
    public (long Id, string Json) Add(string type, long chatId, string body)
    {
        PendingUpdate update;
        lock (_gate)
        {
            if (!IsAllowed(type))
            {
                return (0, string.Concat("{\"update_id\":0,", body.AsSpan(1)));
            }

            var id = ++_lastId;
            update = new PendingUpdate(
                id,
                type,
                chatId,
                string.Concat("{\"update_id\":", id.ToString(CultureInfo.InvariantCulture), ",", body.AsSpan(1)));
            _byId[id] = _queue.AddLast(update);

            // Inside the lock, so one chat's updates reach the webhook lanes in id order.
            _dispatcher?.Enqueue(update);
        }

        Arrived.Pulse();
        return (update.Id, update.Json);
    }

    /// <summary>Applies getUpdates' offset, then returns up to <paramref name="limit"/> updates and a task that completes on the next arrival.</summary>
    public (List<PendingUpdate> Items, Task NextArrival) Take(long? offset, int limit)
    {
        lock (_gate)
        {
            var nextArrival = Arrived.Next();
            if (offset is long from)
            {
                if (from < 0)
                {
                    var keep = from == long.MinValue ? 0 : -from;
                    while (_queue.Count > keep)
                    {
                        RemoveFirst();
                    }
                }
                else
                {
                    while (_queue.First is { } first && first.Value.Id < from)
                    {
                        RemoveFirst();
                    }
                }
            }

            var items = new List<PendingUpdate>(Math.Min(limit, _queue.Count));
            for (var node = _queue.First; node is not null && items.Count < limit; node = node.Next)
            {
                items.Add(node.Value);
            }

            return (items, nextArrival);
        }
    }

    public void Remove(long id)
    {
        lock (_gate)
        {
            if (_byId.Remove(id, out var node))
            {
                _queue.Remove(node);
            }
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _queue.Clear();
            _byId.Clear();
        }
    }

    /// <summary>allowed_updates as getUpdates and setWebhook take it: null keeps the setting, empty restores the default.</summary>
    public void SetAllowed(IReadOnlyList<string>? types)
    {
        if (types is null)
        {
            return;
        }

        lock (_gate)
        {
            _allowed = types.Count == 0 ? null : new HashSet<string>(types, StringComparer.Ordinal);
            _allowedAsGiven = types.Count == 0 ? null : types.ToArray();
        }
    }

    public void Attach(WebhookDispatcher dispatcher)
    {
        lock (_gate)
        {
            _dispatcher = dispatcher;
            foreach (var update in _queue)
            {
                dispatcher.Enqueue(update);
            }
        }
    }

    public WebhookDispatcher? Detach()
    {
        lock (_gate)
        {
            var dispatcher = _dispatcher;
            _dispatcher = null;
            return dispatcher;
        }
    }

    private bool IsAllowed(string type) => _allowed is null ? !OptInTypes.Contains(type) : _allowed.Contains(type);

    private void RemoveFirst()
    {
        var first = _queue.First!;
        _byId.Remove(first.Value.Id);
        _queue.RemoveFirst();
    }
}
