namespace SafetyBot.Core.Conversations;

/// <summary>
/// Serialises the turns of one conversation. Bot Builder state writes are last-writer-wins, so two
/// turns of one conversation must never interleave — within a process and across hosts.
/// </summary>
public interface IConversationTurnLock
{
    /// <summary>Waits until this caller holds the conversation; dispose the result to release it.</summary>
    ValueTask<IAsyncDisposable> AcquireAsync(ConversationKey conversation, CancellationToken cancellationToken);
}
