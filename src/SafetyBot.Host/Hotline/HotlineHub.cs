using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using SafetyBot.Core.Handoff;
using SafetyBot.Host.Staff;

namespace SafetyBot.Host.Hotline;

/// <summary>
/// The console's live line (<c>/console/hub</c>, staff only): the queue whenever it changes, and for a conversation a
/// staff member has open, the person's words and typing as they happen. It only pushes; every action goes through
/// the JSON API (with its CSRF check). With Redis, SignalR's backplane reaches consoles on every host.
/// </summary>
[Authorize(Policy = StaffAuthentication.StaffPolicy)]
public sealed class HotlineHub(HotlineBroadcaster broadcaster, IWaitingRoom room) : Hub
{
    public const string Path = "/console/hub";

    public static string ConversationGroup(string id) => "conversation:" + id;

    public override async Task OnConnectedAsync()
    {
        // The queue is sent by this host to its own consoles only, so several hosts never send it twice.
        await Groups.AddToGroupAsync(Context.ConnectionId, broadcaster.LocalGroup).ConfigureAwait(false);
        await Clients.Caller.SendAsync("queue", await broadcaster.SnapshotAsync(Context.ConnectionAborted).ConfigureAwait(false), Context.ConnectionAborted).ConfigureAwait(false);
        await base.OnConnectedAsync().ConfigureAwait(false);
    }

    /// <summary>Follow one conversation live: the staff member holding it, or a supervisor watching.</summary>
    public async Task Watch(string id)
    {
        var status = await room.FindByIdAsync(id, Context.ConnectionAborted).ConfigureAwait(false);
        var user = Context.User!;
        var allowed = status is not null && (status.Agent == user.Identity?.Name || user.IsInRole("supervisor") || user.IsInRole("admin"));
        if (!allowed)
        {
            throw new HubException("This conversation is not yours to follow.");
        }

        await Groups.AddToGroupAsync(Context.ConnectionId, ConversationGroup(id)).ConfigureAwait(false);
    }

    public Task Unwatch(string id) => Groups.RemoveFromGroupAsync(Context.ConnectionId, ConversationGroup(id));
}

/// <summary>Pushes what a person does while a staff member has their conversation to the consoles following it.</summary>
public sealed class SignalRHotlineFeed(IHubContext<HotlineHub> hub) : IHotlineFeed
{
    public Task PersonWroteAsync(string conversation, string text, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var id = HotlineIds.Of(conversation);
        return hub.Clients.Group(HotlineHub.ConversationGroup(id)).SendAsync("message", new { id, role = "user", text, at }, cancellationToken);
    }

    public Task PersonTypingAsync(string conversation, CancellationToken cancellationToken)
    {
        var id = HotlineIds.Of(conversation);
        return hub.Clients.Group(HotlineHub.ConversationGroup(id)).SendAsync("typing", new { id }, cancellationToken);
    }
}
