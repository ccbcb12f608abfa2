using Microsoft.Extensions.Options;
using SafetyBot.Core.Conversations;
using SafetyBot.Core.Storage;
using SafetyBot.Core.Transcripts;
using StackExchange.Redis;

namespace SafetyBot.Redis;

/// <summary>Transcripts as a Redis list of AES-GCM sealed entries per conversation, expiring with the retention period.</summary>
public sealed class RedisTranscriptArchive(RedisConnection redis, TranscriptCipher cipher, IOptions<RetentionOptions> retention)
    : ITranscriptArchive
{
    private const string AppendScript = """
        redis.call('RPUSH', KEYS[1], unpack(ARGV, 2))
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        """;

    public RedisKey KeyFor(ConversationKey conversation) => redis.Key("tr:{" + conversation.Value + "}");

    public async Task AppendAsync(ConversationKey conversation, IReadOnlyList<TranscriptEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }

        var key = KeyFor(conversation);
        var sealedEntries = entries.Select(e => Seal(conversation, e)).ToArray();

        // Push and expiry in one script: atomic (never a transcript without retention) and one round trip.
        await redis.Database.ScriptEvaluateAsync(AppendScript, [key],
            [(long)retention.Value.Conversation.TotalMilliseconds, .. sealedEntries]).ConfigureAwait(false);
    }

    /// <summary>An entry as it is kept in the conversation's list: sealed, with the conversation as associated data.</summary>
    public RedisValue Seal(ConversationKey conversation, TranscriptEntry entry) => cipher.Encrypt(conversation.Value, entry);

    public async Task<IReadOnlyList<TranscriptEntry>> ReadAsync(ConversationKey conversation, CancellationToken cancellationToken)
    {
        var values = await redis.Database.ListRangeAsync(KeyFor(conversation)).ConfigureAwait(false);
        return [.. values.Select(v => cipher.Decrypt(conversation.Value, (byte[])v!))];
    }

    public Task DeleteAsync(ConversationKey conversation, CancellationToken cancellationToken) =>
        redis.Database.KeyDeleteAsync(KeyFor(conversation));
}
