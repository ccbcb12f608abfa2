using Microsoft.Bot.Builder;
using SafetyBot.Core.Handoff;
using SafetyBot.Core.Pipeline;
using SafetyBot.Core.Transcripts;

namespace SafetyBot.Core.Conversations;

/// <summary>Erases what one channel keeps about a conversation (e.g. its activity stream).</summary>
public interface IChannelConversationEraser
{
    string ChannelId { get; }

    /// <summary>Runs inside the exit turn, before the conversation's state is deleted, so it can still read it.</summary>
    Task EraseAsync(ITurnContext turnContext, CancellationToken cancellationToken);
}

/// <summary>
/// Quick exit: removes everything SafetyBot stores about a conversation — state, transcript, its place in the
/// hotline's waiting room and the channel's own records — and marks the turn so nothing is written back after it.
/// </summary>
public sealed class ConversationEraser(
    ConversationState conversationState,
    ITranscriptArchive transcripts,
    IWaitingRoom waitingRoom,
    IEnumerable<IChannelConversationEraser> channelErasers)
{
    public async Task EraseAsync(ITurnContext turnContext, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turnContext);
        var activity = turnContext.Activity;
        foreach (var eraser in channelErasers.Where(e => string.Equals(e.ChannelId, activity.ChannelId, StringComparison.Ordinal)))
        {
            await eraser.EraseAsync(turnContext, cancellationToken).ConfigureAwait(false);
        }

        // From here on nothing of this conversation is written back (state save, transcript, channel records).
        turnContext.TurnState[TurnKeys.Erased] = true;

        await conversationState.DeleteAsync(turnContext, cancellationToken).ConfigureAwait(false);
        await transcripts.DeleteAsync(ConversationKey.For(turnContext), cancellationToken).ConfigureAwait(false);

        // Whoever waited for them or talks with them sees the entry gone from the hotline's queue.
        await waitingRoom.RemoveAsync(ConversationKey.For(turnContext).Value, cancellationToken).ConfigureAwait(false);
    }
}
