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

    /// <summary>The key of the turn's conversation, hashed once per turn and kept in the turn state.</summary>
    public static ConversationKey For(Microsoft.Bot.Builder.ITurnContext turnContext)
    {
        ArgumentNullException.ThrowIfNull(turnContext);
        if (turnContext.TurnState.TryGetValue(TurnStateKey, out var cached) && cached is ConversationKey key)
        {
            return key;
        }

        key = For(turnContext.Activity);
        turnContext.TurnState[TurnStateKey] = key;
        return key;
    }

    private const string TurnStateKey = "SafetyBot.ConversationKey";

    public override string ToString() => Value;
}
