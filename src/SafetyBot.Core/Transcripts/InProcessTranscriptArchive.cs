using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SafetyBot.Core.Conversations;
using SafetyBot.Core.Storage;

namespace SafetyBot.Core.Transcripts;

/// <summary>Transcripts in process memory, encrypted like the Redis ones and dropped after the retention period.</summary>
public sealed class InProcessTranscriptArchive(TranscriptCipher cipher, IOptions<RetentionOptions> retention, TimeProvider clock)
    : ITranscriptArchive
{
    private readonly ConcurrentDictionary<string, Transcript> _transcripts = new(StringComparer.Ordinal);

    /// <summary>The sealed bytes as stored, for tests that prove nothing is kept in plain text.</summary>
    internal IReadOnlyList<byte[]> RawEntries(ConversationKey conversation) =>
        _transcripts.TryGetValue(conversation.Value, out var t) ? t.Snapshot() : [];

    public Task AppendAsync(ConversationKey conversation, IReadOnlyList<TranscriptEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var transcript = _transcripts.GetOrAdd(conversation.Value, static _ => new Transcript());
        var expiresAt = clock.GetUtcNow() + retention.Value.Conversation;
        transcript.Append(entries.Select(e => cipher.Encrypt(conversation.Value, e)), expiresAt);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<TranscriptEntry>> ReadAsync(ConversationKey conversation, CancellationToken cancellationToken)
    {
        if (!_transcripts.TryGetValue(conversation.Value, out var transcript) || transcript.ExpiresAt <= clock.GetUtcNow())
        {
            return Task.FromResult<IReadOnlyList<TranscriptEntry>>([]);
        }

        IReadOnlyList<TranscriptEntry> entries = [.. transcript.Snapshot().Select(b => cipher.Decrypt(conversation.Value, b))];
        return Task.FromResult(entries);
    }

    public Task DeleteAsync(ConversationKey conversation, CancellationToken cancellationToken)
    {
        _transcripts.TryRemove(conversation.Value, out _);
        return Task.CompletedTask;
    }

    private sealed class Transcript
    {
        private readonly List<byte[]> _entries = [];

        public DateTimeOffset ExpiresAt { get; private set; }

        public void Append(IEnumerable<byte[]> sealedEntries, DateTimeOffset expiresAt)
        {
            lock (_entries)
            {
                _entries.AddRange(sealedEntries);
                ExpiresAt = expiresAt;
            }
        }

        public IReadOnlyList<byte[]> Snapshot()
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }
}
