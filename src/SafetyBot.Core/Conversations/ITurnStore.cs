using Microsoft.Bot.Builder;
using SafetyBot.Core.Storage;
using SafetyBot.Core.Transcripts;

namespace SafetyBot.Core.Conversations;

/// <summary>
/// Where a turn begins and ends: the conversation's turn lock, its state and its transcript. A turn begins by
/// holding the conversation (no other turn of it runs, on any host) and reading its state, and ends by saving the
/// state, appending what was said and letting the conversation go. A store that keeps the three together (Redis)
/// does each in one round trip.
/// </summary>
public interface ITurnStore
{
    /// <summary>Waits until this caller holds the conversation, then reads the state stored under <paramref name="stateKey"/>.</summary>
    ValueTask<IStoredTurn> BeginAsync(ConversationKey conversation, string stateKey, CancellationToken cancellationToken);
}

/// <summary>A turn that holds its conversation. Disposing it without <see cref="EndAsync"/> lets the conversation go and saves nothing.</summary>
public interface IStoredTurn : IAsyncDisposable
{
    /// <summary>The conversation's state as stored when the turn began (null: none).</summary>
    object? State { get; }

    /// <summary>
    /// Saves <paramref name="state"/> (null: leaves the stored state as it is) and appends <paramref name="transcript"/>,
    /// then lets the conversation go. Throws <see cref="StorageConflictException"/> (and appends nothing) when the state
    /// changed under the turn.
    /// </summary>
    Task EndAsync(object? state, IReadOnlyList<TranscriptEntry> transcript, CancellationToken cancellationToken);
}

/// <summary>The turn store made of a turn lock, a Bot Builder storage and a transcript archive (the in-process default).</summary>
public sealed class ComposedTurnStore(IConversationTurnLock turnLock, IStorage storage, ITranscriptArchive transcripts) : ITurnStore
{
    public async ValueTask<IStoredTurn> BeginAsync(ConversationKey conversation, string stateKey, CancellationToken cancellationToken)
    {
        var held = await turnLock.AcquireAsync(conversation, cancellationToken).ConfigureAwait(false);
        try
        {
            var items = await storage.ReadAsync([stateKey], cancellationToken).ConfigureAwait(false);
            return new Turn(storage, transcripts, conversation, stateKey, items.TryGetValue(stateKey, out var state) ? state : null, held);
        }
        catch
        {
            await held.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private sealed class Turn(IStorage storage, ITranscriptArchive transcripts, ConversationKey conversation, string stateKey, object? state, IAsyncDisposable held) : IStoredTurn
    {
        public object? State { get; } = state;

        public async Task EndAsync(object? state, IReadOnlyList<TranscriptEntry> transcript, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(transcript);
            try
            {
                if (state is not null)
                {
                    await storage.WriteAsync(new Dictionary<string, object> { [stateKey] = state }, cancellationToken).ConfigureAwait(false);
                }

                if (transcript.Count > 0)
                {
                    await transcripts.AppendAsync(conversation, transcript, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                await held.DisposeAsync().ConfigureAwait(false);
            }
        }

        public ValueTask DisposeAsync() => held.DisposeAsync();
    }
}
