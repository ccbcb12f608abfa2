using SafetyBot.Core.Streams;

namespace SafetyBot.Channels.WebChat.DirectLine;

/// <summary>
/// This host's open streams. Normally activities reach them through the shared store's notifications;
/// when the store is unreachable, the bot's helpline answer is handed to them here directly.
/// </summary>
public sealed class DirectLineHub
{
    private readonly LocalSubscribers _local = new();

    public IDisposable Join(string conversationId, Action<StreamEntry> onActivity) => _local.Add(conversationId, onActivity);

    public bool HasListeners(string conversationId) => _local.HasSubscribers(conversationId);

    /// <summary>Delivers an activity that could not be stored (watermark -1) to this host's open streams.</summary>
    public void DeliverUnstored(string conversationId, string payload) =>
        _local.Publish(conversationId, new StreamEntry(-1, payload));
}
