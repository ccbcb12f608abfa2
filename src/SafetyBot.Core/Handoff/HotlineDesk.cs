using Microsoft.Bot.Builder;
using Microsoft.Bot.Schema;
using Newtonsoft.Json.Linq;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Newtonsoft.Json;
using SafetyBot.Core.Bot;
using SafetyBot.Core.Pipeline;

namespace SafetyBot.Core.Handoff;

/// <summary>A channel whose adapter can reach its conversations again (for staff messages).</summary>
public sealed record ChannelRegistration(string ChannelId, Type AdapterType);

public enum DeskOutcome
{
    Done,
    NotYours,
    Gone,
}

/// <summary>
/// What hotline staff do with a conversation: take it from the waiting room, write to the person, give it back to
/// the line, or close it and hand the person back to the bot. Every step that the person should see runs as a
/// proactive turn through the conversation's own channel and pipeline (turn lock, state, encrypted transcript),
/// so it works from any host.
/// </summary>
public sealed class HotlineDesk(
    IWaitingRoom room,
    IServiceProvider services,
    IEnumerable<ChannelRegistration> channels,
    ConversationState conversationState,
    BotContent content,
    HandoffEvents events,
    IOptions<HandoffOptions> options,
    TimeProvider clock)
{
    /// <summary>The longest staff message; longer ones are refused rather than cut.</summary>
    public const int MaxMessageLength = 4000;

    private readonly IStatePropertyAccessor<ConversationData> _data = conversationState.CreateProperty<ConversationData>(nameof(ConversationData));

    public ValueTask<IReadOnlyList<WaitingStatus>> QueueAsync(CancellationToken cancellationToken = default) => room.ListAsync(cancellationToken);

    public async Task<ClaimResult> ClaimAsync(string conversation, string agent, CancellationToken cancellationToken = default)
    {
        var result = await room.ClaimAsync(conversation, agent, options.Value.ClaimLease, cancellationToken).ConfigureAwait(false);
        if (result.Outcome != ClaimOutcome.Won || await room.FindAsync(conversation, cancellationToken).ConfigureAwait(false) is not { } status)
        {
            return result;
        }

        await ContinueAsync(status.Entry, async (turn, data, ct) =>
        {
            data.Handoff.MoveTo(HandoffStatuses.WithAgent, clock.GetUtcNow(), agent);
            await turn.SendActivityAsync(MessageFactory.Text(Text(data, "human.joined")), ct).ConfigureAwait(false);
            events.Emit(conversation, EventFactory.CreateHandoffStatus(turn.Activity.Conversation, "accepted"));
        }, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>Sends the staff member's words to the person, as plain text. Only the staff member holding the conversation can.</summary>
    public async Task<DeskOutcome> SendAsync(string conversation, string agent, string text, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        if (await HeldByAsync(conversation, agent, cancellationToken).ConfigureAwait(false) is not { } status)
        {
            return await room.FindAsync(conversation, cancellationToken).ConfigureAwait(false) is null ? DeskOutcome.Gone : DeskOutcome.NotYours;
        }

        await room.RenewAsync(conversation, agent, options.Value.ClaimLease, cancellationToken).ConfigureAwait(false);
        await ContinueAsync(status.Entry, async (turn, _, ct) =>
        {
            turn.TurnState[TurnKeys.StaffMessage] = true;
            var message = MessageFactory.Text(text);
            message.TextFormat = TextFormatTypes.Plain;
            // So a channel that can show who wrote it (the web chat) shows a person from the helpline, not the bot.
            message.ChannelData = new JObject { [StaffSender.Property] = StaffSender.Staff };
            await turn.SendActivityAsync(message, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return DeskOutcome.Done;
    }

    /// <summary>Shows the person that the staff member is writing (Telegram "typing…", Direct Line typing).</summary>
    public async Task<DeskOutcome> TypingAsync(string conversation, string agent, CancellationToken cancellationToken = default)
    {
        if (await HeldByAsync(conversation, agent, cancellationToken).ConfigureAwait(false) is not { } status)
        {
            return DeskOutcome.NotYours;
        }

        await ContinueAsync(status.Entry, (turn, _, ct) => turn.SendActivityAsync(new Activity(ActivityTypes.Typing), ct), cancellationToken).ConfigureAwait(false);
        return DeskOutcome.Done;
    }

    /// <summary>Keeps the staff member's claim alive while their console is open.</summary>
    public ValueTask<bool> HeartbeatAsync(string conversation, string agent, CancellationToken cancellationToken = default) =>
        room.RenewAsync(conversation, agent, options.Value.ClaimLease, cancellationToken);

    /// <summary>Gives the conversation back to the line at its old place (a transfer to the queue).</summary>
    public async Task<DeskOutcome> ReleaseAsync(string conversation, string agent, CancellationToken cancellationToken = default)
    {
        if (await HeldByAsync(conversation, agent, cancellationToken).ConfigureAwait(false) is not { } status
            || !await room.ReleaseAsync(conversation, agent, cancellationToken).ConfigureAwait(false))
        {
            return DeskOutcome.NotYours;
        }

        await ContinueAsync(status.Entry, (turn, data, _) =>
        {
            data.Handoff.MoveTo(HandoffStatuses.Queued, clock.GetUtcNow(), agent, "transferred");
            return Task.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        return DeskOutcome.Done;
    }

    /// <summary>Hands the conversation straight to a colleague, who holds it from now on; the person is not moved back into line.</summary>
    public async Task<DeskOutcome> TransferAsync(string conversation, string agent, string colleague, CancellationToken cancellationToken = default)
    {
        if (await HeldByAsync(conversation, agent, cancellationToken).ConfigureAwait(false) is not { } status
            || !await room.ReleaseAsync(conversation, agent, cancellationToken).ConfigureAwait(false))
        {
            return DeskOutcome.NotYours;
        }

        if ((await room.ClaimAsync(conversation, colleague, options.Value.ClaimLease, cancellationToken).ConfigureAwait(false)).Outcome != ClaimOutcome.Won)
        {
            return DeskOutcome.Gone;
        }

        await ContinueAsync(status.Entry, (_, data, _) =>
        {
            data.Handoff.MoveTo(HandoffStatuses.WithAgent, clock.GetUtcNow(), colleague, "transferred from " + agent);
            return Task.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        return DeskOutcome.Done;
    }

    /// <summary>Ends the staff member's part with an outcome code; the person is thanked and has the bot's menu again.</summary>
    public async Task<DeskOutcome> CloseAsync(string conversation, string agent, string outcome, CancellationToken cancellationToken = default)
    {
        if (await HeldByAsync(conversation, agent, cancellationToken).ConfigureAwait(false) is not { } status)
        {
            return DeskOutcome.NotYours;
        }

        await room.RemoveAsync(conversation, cancellationToken).ConfigureAwait(false);
        await ContinueAsync(status.Entry, async (turn, data, ct) =>
        {
            var now = clock.GetUtcNow();
            data.Handoff.MoveTo(HandoffStatuses.Resolved, now, agent, outcome);
            data.Handoff.MoveTo(HandoffStatuses.Bot, now, agent, outcome);
            var bot = services.GetRequiredService<SafetyBotBot>();
            await turn.SendActivityAsync(bot.MenuReply(Text(data, "human.closed"), data.Language ?? "en"), ct).ConfigureAwait(false);
            events.Emit(conversation, EventFactory.CreateHandoffStatus(turn.Activity.Conversation, "completed", outcome));
        }, cancellationToken).ConfigureAwait(false);
        return DeskOutcome.Done;
    }

    /// <summary>
    /// Looks after the line, on one host at a time: claims whose holder stopped renewing them (a console closed, a
    /// host gone) go back into line and the person is told; dead letters hand the person back to the bot with the
    /// helplines; people whose place moved up are told their new place. Returns how many people were told something.
    /// </summary>
    public async Task<int> SweepAsync(string host, CancellationToken cancellationToken = default)
    {
        if (!await room.TryLeadAsync(host, TimeSpan.FromSeconds(15), cancellationToken).ConfigureAwait(false))
        {
            return 0;
        }

        var told = 0;
        foreach (var conversation in await room.ReclaimExpiredAsync(options.Value.MaxDeliveries, cancellationToken).ConfigureAwait(false))
        {
            if (await room.FindAsync(conversation, cancellationToken).ConfigureAwait(false) is not { } status)
            {
                continue;
            }

            told++;
            await ContinueAsync(status.Entry, async (turn, data, ct) =>
            {
                var bot = services.GetRequiredService<SafetyBotBot>();
                var language = data.Language ?? "en";
                if (status.State == WaitingStates.Dead)
                {
                    data.Handoff.MoveTo(HandoffStatuses.Bot, clock.GetUtcNow(), null, "dead-letter");
                    await turn.SendActivityAsync(bot.UnavailableReply(language, data.Country ?? status.Entry.Country), ct).ConfigureAwait(false);
                    events.Emit(conversation, EventFactory.CreateHandoffStatus(turn.Activity.Conversation, "failed", "dead-letter"));
                    return;
                }

                data.Handoff.MoveTo(HandoffStatuses.Queued, clock.GetUtcNow(), null, "claim-expired");
                var text = content.Catalog.Format(language, "human.requeued",
                    ("position", Place(status.Position)), ("emergency", content.Helplines.For(data.Country ?? status.Entry.Country).Emergency));
                await turn.SendActivityAsync(bot.WaitingReply(text, language), ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            await room.MarkToldAsync(conversation, status.Position ?? 1, cancellationToken).ConfigureAwait(false);
        }

        foreach (var status in (await room.ListAsync(cancellationToken).ConfigureAwait(false)).Where(s => s.State == WaitingStates.Waiting && s.Position < (s.Told ?? int.MaxValue)))
        {
            var stale = false;
            await ContinueAsync(status.Entry, async (turn, data, ct) =>
            {
                if (data.Handoff.Status != HandoffStatuses.Queued)
                {
                    stale = true; // the person stopped waiting or left: the entry is a leftover
                    return;
                }

                var bot = services.GetRequiredService<SafetyBotBot>();
                var language = data.Language ?? "en";
                var minutes = HandoffService.Estimate(status.Position ?? 1, await room.StaffOnlineAsync(ct).ConfigureAwait(false), options.Value.AverageHandlingMinutes);
                var text = content.Catalog.Format(language, "human.position", ("position", Place(status.Position)))
                    + (minutes > 0 ? " " + content.Catalog.FormatPlural(language, "human.estimate", minutes) : string.Empty);
                await turn.SendActivityAsync(bot.WaitingReply(text, language), ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            if (stale)
            {
                await room.RemoveAsync(status.Entry.Conversation, cancellationToken).ConfigureAwait(false);
                continue;
            }

            told++;
            await room.MarkToldAsync(status.Entry.Conversation, status.Position ?? 1, cancellationToken).ConfigureAwait(false);
        }

        return told;
    }

    private static string Place(int? position) => (position ?? 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private async Task<WaitingStatus?> HeldByAsync(string conversation, string agent, CancellationToken cancellationToken) =>
        await room.FindAsync(conversation, cancellationToken).ConfigureAwait(false) is { State: WaitingStates.Claimed } status && status.Agent == agent
            ? status
            : null;

    private async Task ContinueAsync(WaitingEntry entry, Func<ITurnContext, ConversationData, CancellationToken, Task> body, CancellationToken cancellationToken)
    {
        var registration = channels.FirstOrDefault(c => c.ChannelId == entry.Channel)
            ?? throw new InvalidOperationException($"No channel '{entry.Channel}' is enabled on this host.");
        var adapter = (BotAdapter)services.GetRequiredService(registration.AdapterType);
        var reference = JsonConvert.DeserializeObject<ConversationReference>(entry.Reference ?? "{}")
            ?? throw new InvalidOperationException("The waiting entry has no conversation reference.");
        await adapter.ContinueConversationAsync("safetybot", reference, async (turn, ct) =>
        {
            var data = await _data.GetAsync(turn, () => new ConversationData(), ct).ConfigureAwait(false);
            await body(turn, data, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    private string Text(ConversationData data, string key) =>
        content.Catalog.Format(data.Language ?? "en", key);
}

/// <summary>How an outgoing activity says that a hotline staff member wrote it: <c>channelData.sender = "staff"</c>.</summary>
public static class StaffSender
{
    public const string Property = "sender";
    public const string Staff = "staff";
}
