using Microsoft.Bot.Builder;
using Microsoft.Bot.Schema;
using SafetyBot.Core.Conversations;
using SafetyBot.Core.Transcripts;

namespace SafetyBot.Core.Pipeline;

/// <summary>
/// Records what the person said and what the bot answered, encrypted, and — unlike Bot Builder's transcript
/// logger — awaits the write before the turn ends, so a finished turn is a stored turn.
/// </summary>
public sealed class TranscriptMiddleware(ITranscriptArchive archive, TimeProvider clock) : IMiddleware
{
    public async Task OnTurnAsync(ITurnContext turnContext, NextDelegate next, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(turnContext);
        ArgumentNullException.ThrowIfNull(next);
        var entries = new List<TranscriptEntry>();
        var incoming = ToEntry(turnContext.Activity, TranscriptRoles.User);
        if (incoming is not null)
        {
            entries.Add(incoming);
        }

        turnContext.OnSendActivities(async (turn, activities, nextSend) =>
        {
            // A hotline staff member's message, sent through a proactive turn, is recorded as theirs.
            var role = turn.TurnState.TryGetValue(TurnKeys.StaffMessage, out var staff) && staff is true ? TranscriptRoles.Staff : TranscriptRoles.Bot;
            lock (entries)
            {
                entries.AddRange(activities.Select(a => ToEntry(a, role)).OfType<TranscriptEntry>());
            }

            return await nextSend().ConfigureAwait(false);
        });

        await next(cancellationToken).ConfigureAwait(false);

        if (TurnKeys.IsErased(turnContext) || TurnKeys.IsReplayed(turnContext) || entries.Count == 0)
        {
            return;
        }

        TranscriptEntry[] snapshot;
        lock (entries)
        {
            snapshot = [.. entries];
        }

        await archive.AppendAsync(ConversationKey.For(turnContext), snapshot, cancellationToken).ConfigureAwait(false);
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
