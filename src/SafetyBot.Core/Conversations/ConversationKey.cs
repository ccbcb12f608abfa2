using System.Security.Cryptography;
using System.Text;
using Microsoft.Bot.Schema;

namespace SafetyBot.Core.Conversations;

/// <summary>
/// The id SafetyBot stores a conversation under: the channel plus a hash of the channel's conversation
/// id, so stored keys never carry a raw channel id (a Telegram chat id identifies a person).
/// </summary>
public readonly record struct ConversationKey(string Value)
{
    public static ConversationKey For(string channelId, string conversationId)
    {
        ArgumentException.ThrowIfNullOrEmpty(channelId);
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(channelId + "\n" + conversationId), hash);
        return new ConversationKey(channelId + ":" + Convert.ToHexStringLower(hash[..16]));
    }

    public static ConversationKey For(IActivity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return For(activity.ChannelId, activity.Conversation.Id);
    }

    public override string ToString() => Value;
}
