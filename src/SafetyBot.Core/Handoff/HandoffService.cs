using Microsoft.Extensions.Options;
using SafetyBot.Core.Conversations;

namespace SafetyBot.Core.Handoff;

public sealed class HandoffOptions
{
    public const string SectionName = "Handoff";

    /// <summary>How long a staff member's claim lasts without a heartbeat before the conversation goes back into line.</summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often a conversation may be handed out and abandoned before it becomes a dead letter for supervisors.</summary>
    public int MaxDeliveries { get; set; } = 3;

    /// <summary>About how long one conversation with a staff member lasts, for the wait estimate people are told.</summary>
    public int AverageHandlingMinutes { get; set; } = 10;

    /// <summary>When the team answers, per language code, with "*" for every other language (e.g. "Mon-Fri 09:00-17:00"). Empty: always.</summary>
    public Dictionary<string, string> OpeningHours { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The time zone of the opening hours (IANA id, e.g. "Europe/Kyiv").</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>The opening hours for a language; throws <see cref="FormatException"/> naming a setting it cannot read.</summary>
    public OpeningHours HoursFor(string language) =>
        OpeningHours.TryGetValue(language, out var own) || OpeningHours.TryGetValue("*", out own)
            ? Handoff.OpeningHours.Parse(own)
            : Handoff.OpeningHours.Always;
}

/// <summary>
/// Puts a conversation in the hotline's waiting room when someone can take it: a crisis first, then someone under
/// 18, then everyone else. When nobody is online it queues nothing, so the person gets the helplines at once.
/// </summary>
public sealed class HandoffService(IWaitingRoom room, TimeProvider clock, IOptions<HandoffOptions> options) : IHandoffService
{
    public async ValueTask<HandoffTicket> RequestAsync(HandoffRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Outside the opening hours for their language, or with nobody online, the person gets the helplines at once
        // (and can leave a message: an offline request is queued whatever the time).
        var hours = options.Value.HoursFor(request.Language);
        var open = hours.IsOpen(clock.GetUtcNow(), TimeZoneInfo.FindSystemTimeZoneById(options.Value.TimeZone));
        if (!request.Offline && (!open || await room.StaffOnlineAsync(cancellationToken).ConfigureAwait(false) == 0))
        {
            return HandoffTicket.Unavailable;
        }

        var band = request.Crisis ? PriorityBand.Crisis : request.UnderEighteen ? PriorityBand.UnderEighteen : PriorityBand.Other;
        var entry = new WaitingEntry(
            ConversationKey.For(request.Channel, request.ConversationId).Value, request.Channel, request.ConversationId, request.Language,
            request.Country, band, clock.GetUtcNow(), request.Topic, request.Signals, request.Reference);
        var position = Math.Max(await room.EnqueueAsync(entry, cancellationToken).ConfigureAwait(false), 1);
        return new HandoffTicket(true, position)
        {
            EstimatedMinutes = request.Offline ? 0 : await EstimateMinutesAsync(position, cancellationToken).ConfigureAwait(false),
        };
    }

    public async ValueTask<int> EstimateMinutesAsync(int position, CancellationToken cancellationToken)
    {
        var staff = await room.StaffOnlineAsync(cancellationToken).ConfigureAwait(false);
        return Estimate(position, staff, options.Value.AverageHandlingMinutes);
    }

    /// <summary>People ahead shared among the staff online, times how long a conversation usually takes; 0 when nobody is online.</summary>
    public static int Estimate(int position, int staffOnline, int averageMinutes) =>
        staffOnline <= 0 || position <= 0 ? 0 : Math.Max(1, (int)Math.Ceiling(position / (double)staffOnline) * averageMinutes);
}
