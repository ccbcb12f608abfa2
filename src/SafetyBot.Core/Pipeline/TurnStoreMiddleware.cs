using Microsoft.Bot.Builder;
using Microsoft.Bot.Schema;
using SafetyBot.Core.Conversations;
using SafetyBot.Core.Storage;
using SafetyBot.Core.Transcripts;

namespace SafetyBot.Core.Pipeline;

/// <summary>
/// The outermost middleware: begins the turn in the <see cref="ITurnStore"/> (holds the conversation, so state is read
/// and saved by one turn at a time, and reads its state), records what the person said and what the bot answered,
/// and ends the turn by saving the state and the transcript before the conversation is let go — so a finished turn is
/// a stored turn. A turn that erased the conversation writes nothing back; a turn answered again from saved replies
/// is not recorded twice; a turn that failed saves nothing.
/// </summary>
public sealed class TurnStoreMiddleware(ITurnStore store, TurnConversationState conversationState, TimeProvider clock) : IMiddleware
{
    public async Task OnTurnAsync(ITurnContext turnContext, NextDelegate next, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(turnContext);
        ArgumentNullException.ThrowIfNull(next);
        var turn = await store.BeginAsync(ConversationKey.For(turnContext), conversationState.StorageKeyFor(turnContext), cancellationToken).ConfigureAwait(false);
        await using (turn.ConfigureAwait(false))
        {
            conversationState.Adopt(turnContext, turn.State);
            var entries = new List<TranscriptEntry>();
            if (ToEntry(turnContext.Activity, TranscriptRoles.User) is { } incoming)
            {
                entries.Add(incoming);
            }

            turnContext.OnSendActivities(async (context, activities, nextSend) =>
            {
                // A hotline staff member's message, sent through a proactive turn, is recorded as theirs.
                var role = context.TurnState.TryGetValue(TurnKeys.StaffMessage, out var staff) && staff is true ? TranscriptRoles.Staff : TranscriptRoles.Bot;
                lock (entries)
                {
                    entries.AddRange(activities.Select(a => ToEntry(a, role)).OfType<TranscriptEntry>());
                }

                return await nextSend().ConfigureAwait(false);
            });

            await next(cancellationToken).ConfigureAwait(false);

            if (TurnKeys.IsErased(turnContext))
            {
                return; // disposing lets the conversation go
            }

            TranscriptEntry[] transcript;
            lock (entries)
            {
                transcript = TurnKeys.IsReplayed(turnContext) ? [] : [.. entries];
            }

            await turn.EndAsync(conversationState.ToSave(turnContext), transcript, cancellationToken).ConfigureAwait(false);
        }
    }

    private TranscriptEntry? ToEntry(IActivity activity, string role)
    {
        if (activity is not Activity a || a.Type != ActivityTypes.Message)
        {
            return null;
        }

        var choices = a.SuggestedActions?.Actions?.Select(c => c.Title ?? string.Empty).ToArray();
        var text = a.Text;
        if (string.IsNullOrEmpty(text) && a.Value is not null)
        {
            text = "[button] " + a.Value;
        }

        return new TranscriptEntry(a.Timestamp ?? clock.GetUtcNow(), role, a.Type, text, choices is { Length: > 0 } ? choices : null);
    }
}
