using Microsoft.Bot.Builder;

namespace SafetyBot.Core.Storage;

/// <summary>
/// Bot Builder's conversation state without its change check. Bot Builder serialises the whole state to a hash when
/// it loads it, again before saving to see whether it changed, and again after saving; every SafetyBot turn changes
/// the state (it counts turns), so those three serialisations only cost time. Here the state a turn loaded is
/// written once when the turn saves, and a conversation with no state is not written while its state stays empty.
/// </summary>
public sealed class TurnConversationState : ConversationState
{
    private const string Found = "SafetyBot.StateFound";
    private readonly IStorage _storage;

    public TurnConversationState(IStorage storage)
        : base(storage)
    {
        _storage = storage;
    }

    public override async Task LoadAsync(ITurnContext turnContext, bool force = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(turnContext);
        if (!force && GetCachedState(turnContext)?.State is not null)
        {
            return;
        }

        var key = GetStorageKey(turnContext);
        var items = await _storage.ReadAsync([key], cancellationToken).ConfigureAwait(false);
        Adopt(turnContext, items.TryGetValue(key, out var value) ? value : null);
    }

    /// <summary>The key the conversation's state is stored under (Bot Builder's: channel/conversations/id).</summary>
    public string StorageKeyFor(ITurnContext turnContext) => GetStorageKey(turnContext);

    /// <summary>Takes the state read when the turn began (null: none stored), so the turn does not read it again.</summary>
    public void Adopt(ITurnContext turnContext, object? stored)
    {
        ArgumentNullException.ThrowIfNull(turnContext);
        var found = stored is not null;
        // An empty cache (its hash is that of "{}"), then the state: Bot Builder's accessors read and change State.
        turnContext.TurnState[nameof(ConversationState)] = new CachedBotState { State = found ? (IDictionary<string, object>)stored! : new Dictionary<string, object>() };
        turnContext.TurnState[Found] = found;
        if (GetCachedState(turnContext) is null)
        {
            throw new InvalidOperationException("Bot Builder keeps conversation state under another turn-state key than this version expects.");
        }
    }

    /// <summary>The state to write when the turn ends: null when it was never loaded, or when none was stored and it stayed empty.</summary>
    public IDictionary<string, object>? ToSave(ITurnContext turnContext)
    {
        ArgumentNullException.ThrowIfNull(turnContext);
        if (GetCachedState(turnContext) is not { State: { } state })
        {
            return null;
        }

        return state.Count == 0 && !(turnContext.TurnState.TryGetValue(Found, out var found) && found is true) ? null : state;
    }

    public override async Task SaveChangesAsync(ITurnContext turnContext, bool force = false, CancellationToken cancellationToken = default)
    {
        if (ToSave(turnContext) is { } state)
        {
            await _storage.WriteAsync(new Dictionary<string, object> { [GetStorageKey(turnContext)] = state }, cancellationToken).ConfigureAwait(false);
        }
    }
}
