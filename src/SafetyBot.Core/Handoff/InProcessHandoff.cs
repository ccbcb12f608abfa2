namespace SafetyBot.Core.Handoff;

/// <summary>
/// The hotline queue inside one process: crisis conversations first, then in order of asking. When no staff
/// member is online it queues nothing and says so, so the person gets the helplines at once instead of waiting.
/// </summary>
public sealed class InProcessHandoff : IHandoffService
{
    private readonly Lock _gate = new();
    private readonly List<HandoffRequest> _waiting = [];
    private int _staffOnline;

    /// <summary>Staff members who can take a conversation now.</summary>
    public int StaffOnline
    {
        get => Volatile.Read(ref _staffOnline);
        set => Volatile.Write(ref _staffOnline, Math.Max(0, value));
    }

    public IReadOnlyList<HandoffRequest> Waiting
    {
        get
        {
            lock (_gate)
            {
                return [.. _waiting];
            }
        }
    }

    public ValueTask<HandoffTicket> RequestAsync(HandoffRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (StaffOnline == 0)
        {
            return ValueTask.FromResult(HandoffTicket.Unavailable);
        }

        lock (_gate)
        {
            var existing = _waiting.FindIndex(r => r.ConversationId == request.ConversationId);
            if (existing >= 0)
            {
                return ValueTask.FromResult(new HandoffTicket(true, existing + 1));
            }

            // Crisis conversations go before every conversation that is not one; otherwise first come, first served.
            var index = request.Crisis ? _waiting.FindIndex(r => !r.Crisis) : -1;
            index = index < 0 ? _waiting.Count : index;
            _waiting.Insert(index, request);
            return ValueTask.FromResult(new HandoffTicket(true, index + 1));
        }
    }

    /// <summary>The next conversation for a staff member, or null.</summary>
    public HandoffRequest? Take()
    {
        lock (_gate)
        {
            if (_waiting.Count == 0)
            {
                return null;
            }

            var next = _waiting[0];
            _waiting.RemoveAt(0);
            return next;
        }
    }

    /// <summary>Forgets a conversation (erased, or the person cancelled).</summary>
    public void Remove(string conversationId)
    {
        lock (_gate)
        {
            _waiting.RemoveAll(r => r.ConversationId == conversationId);
        }
    }
}
