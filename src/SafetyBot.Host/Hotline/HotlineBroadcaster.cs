using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using SafetyBot.Core.Handoff;

namespace SafetyBot.Host.Hotline;

public sealed class HotlineOptions
{
    public const string SectionName = "Hotline";

    /// <summary>A conversation waiting longer than this is shown with a warning; twice as long, with an alarm.</summary>
    public TimeSpan WaitAlert { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many conversations one staff member may hold at once.</summary>
    public int Capacity { get; set; } = 3;
}

/// <summary>One row of the console's queue: enough to choose and route, nothing of what the person wrote.</summary>
public sealed record QueueItem(
    string Id,
    string State,
    string Band,
    int? Position,
    string Language,
    string Channel,
    string? Country,
    string? Topic,
    IReadOnlyList<string> Signals,
    DateTimeOffset EnqueuedAt,
    int WaitingSeconds,
    string Alert,
    string? Agent,
    int Deliveries);

/// <summary>
/// Sends the queue to this host's consoles whenever the waiting room changes (the change is announced on every
/// host), and every few seconds so waiting times and alerts move on.
/// </summary>
public sealed class HotlineBroadcaster(IWaitingRoom room, IHubContext<HotlineHub> hub, IOptions<HotlineOptions> options, TimeProvider clock, ILogger<HotlineBroadcaster> logger)
    : WaitingRoomLoop(room, logger, TimeSpan.FromSeconds(5))
{
    public string LocalGroup { get; } = "queue@" + Guid.NewGuid().ToString("N");

    public async Task<IReadOnlyList<QueueItem>> SnapshotAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var alert = options.Value.WaitAlert;
        return [.. (await Room.ListAsync(cancellationToken).ConfigureAwait(false)).Select(s =>
        {
            var waited = now - s.Entry.EnqueuedAt;
            var level = s.State != WaitingStates.Waiting ? "none" : waited >= alert * 2 ? "alarm" : waited >= alert ? "warning" : "none";
            return new QueueItem(HotlineIds.Of(s.Entry.Conversation), s.State, s.Entry.Band switch
            {
                PriorityBand.Crisis => "crisis",
                PriorityBand.UnderEighteen => "under18",
                _ => "other",
            }, s.Position, s.Entry.Language, s.Entry.Channel, s.Entry.Country, s.Entry.Topic, s.Entry.Signals, s.Entry.EnqueuedAt,
                (int)Math.Max(0, waited.TotalSeconds), level, s.Agent, s.Deliveries);
        })];
    }

    protected override async Task RunOnceAsync(CancellationToken cancellationToken) =>
        await hub.Clients.Group(LocalGroup).SendAsync("queue", await SnapshotAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
}
