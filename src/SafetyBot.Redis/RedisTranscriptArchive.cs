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
    public RedisKey KeyFor(ConversationKey conversation) => redis.Key("tr:{" + conversation.Value + "}");

    public async Task AppendAsync(ConversationKey conversation, IReadOnlyList<TranscriptEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }

        var key = KeyFor(conversation);
        var sealedEntries = entries.Select(e => (RedisValue)cipher.Encrypt(conversation.Value, e)).ToArray();
        var transaction = redis.Database.CreateTransaction();
        _ = transaction.ListRightPushAsync(key, sealedEntries);
        _ = transaction.KeyExpireAsync(key, retention.Value.Conversation);
        if (!await transaction.ExecuteAsync().ConfigureAwait(false))
        {
            throw new RedisException("The transcript append was not applied.");
        }
    }

    public async Task<IReadOnlyList<TranscriptEntry>> ReadAsync(ConversationKey conversation, CancellationToken cancellationToken)
    {
        var values = await redis.Database.ListRangeAsync(KeyFor(conversation)).ConfigureAwait(false);
        return [.. values.Select(v => cipher.Decrypt(conversation.Value, (byte[])v!))];
    }

    public Task DeleteAsync(ConversationKey conversation, CancellationToken cancellationToken) =>
        redis.Database.KeyDeleteAsync(KeyFor(conversation));
}
