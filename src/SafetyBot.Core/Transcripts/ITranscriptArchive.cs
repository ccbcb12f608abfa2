using SafetyBot.Core.Conversations;

namespace SafetyBot.Core.Transcripts;

/// <summary>Encrypted, retention-limited transcripts of conversations.</summary>
public interface ITranscriptArchive
{
    Task AppendAsync(ConversationKey conversation, IReadOnlyList<TranscriptEntry> entries, CancellationToken cancellationToken);

    Task<IReadOnlyList<TranscriptEntry>> ReadAsync(ConversationKey conversation, CancellationToken cancellationToken);

    Task DeleteAsync(ConversationKey conversation, CancellationToken cancellationToken);
}
