using SafetyBot.Core.Handoff;
using Xunit;

namespace SafetyBot.Testing;

/// <summary>
/// What every waiting room guarantees: crisis first, then under-18, then the rest, first come first served within
/// a band; one entry per conversation; one winner per claim; an abandoned claim returns to its place; an entry
/// handed out too often becomes a dead letter; every change is announced.
/// </summary>
public abstract class WaitingRoomContractTests
{
    protected ManualClock Clock { get; } = new();

    protected abstract Task<IWaitingRoom> CreateAsync();

    /// <summary>A second view of the same waiting room (another host); the same instance when there is only one process.</summary>
    protected virtual Task<IWaitingRoom> PeerAsync(IWaitingRoom first) => Task.FromResult(first);

    protected WaitingEntry Entry(string id, PriorityBand band = PriorityBand.Other, string language = "en")
    {
        Clock.Advance(TimeSpan.FromSeconds(1));
        return new WaitingEntry("webchat/" + id, "webchat", id, language, null, band, Clock.GetUtcNow(), "selfcheck", ["secrecy"], """{"conversation":{"id":"x"}}""");
    }

    [Fact]
    public async Task Entries_AreOrderedByBand_ThenByArrival()
    {
        var room = await CreateAsync();
        await room.EnqueueAsync(Entry("other-1"));
        await room.EnqueueAsync(Entry("minor-1", PriorityBand.UnderEighteen));
        await room.EnqueueAsync(Entry("other-2"));
        var crisisPosition = await room.EnqueueAsync(Entry("crisis-1", PriorityBand.Crisis));
        await room.EnqueueAsync(Entry("minor-2", PriorityBand.UnderEighteen));

        var list = await room.ListAsync();

        Assert.Equal(1, crisisPosition);
        Assert.Equal(["crisis-1", "minor-1", "minor-2", "other-1", "other-2"], list.Select(s => s.Entry.ConversationId));
        Assert.Equal([1, 2, 3, 4, 5], list.Select(s => s.Position ?? 0));
        Assert.Equal(4, (await room.FindAsync("webchat/other-1"))!.Position);
    }

    [Fact]
    public async Task ACrisisWhileWaiting_MovesThePersonToTheCrisisBand_KeepingTheirArrival()
    {
        var room = await CreateAsync();
        await room.EnqueueAsync(Entry("crisis-early", PriorityBand.Crisis));
        await room.EnqueueAsync(Entry("other-1"));
        await room.EnqueueAsync(Entry("other-2"));
        await room.EnqueueAsync(Entry("crisis-late", PriorityBand.Crisis));

        Assert.True(await room.EscalateAsync("webchat/other-2", PriorityBand.Crisis));
        Assert.False(await room.EscalateAsync("webchat/other-2", PriorityBand.UnderEighteen));
        Assert.False(await room.EscalateAsync("webchat/nobody", PriorityBand.Crisis));

        var list = await room.ListAsync();
        Assert.Equal(["crisis-early", "other-2", "crisis-late", "other-1"], list.Select(s => s.Entry.ConversationId));
        Assert.Equal(PriorityBand.Crisis, (await room.FindAsync("webchat/other-2"))!.Entry.Band);
    }

    [Fact]
    public async Task EnqueuingAgain_KeepsThePlace_AndTheDetails()
    {
        var room = await CreateAsync();
        var first = Entry("a");
        await room.EnqueueAsync(first);
        await room.EnqueueAsync(Entry("b"));

        var again = await room.EnqueueAsync(first with { EnqueuedAt = Clock.GetUtcNow().AddHours(1) });

        Assert.Equal(1, again);
        var found = await room.FindAsync("webchat/a");
        Assert.Equal(first, found!.Entry with { Signals = first.Signals });
        Assert.Equal(["secrecy"], found.Entry.Signals);
        Assert.Equal(WaitingStates.Waiting, found.State);
    }

    [Fact]
    public async Task TwoStaffClaimingAtOnce_OneWins_TheOtherIsToldWho()
    {
        var room = await CreateAsync();
        var peer = await PeerAsync(room);
        await room.EnqueueAsync(Entry("contested"));

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            Task.Run(async () => await (i % 2 == 0 ? room : peer).ClaimAsync("webchat/contested", "agent-" + i, TimeSpan.FromMinutes(1)))));

        var winner = Assert.Single(results, r => r.Outcome == ClaimOutcome.Won);
        Assert.All(results.Where(r => r != winner), r => Assert.Equal((ClaimOutcome.TakenByOther, winner.Agent), (r.Outcome, r.Agent)));
        var status = await room.FindAsync("webchat/contested");
        Assert.Equal((WaitingStates.Claimed, winner.Agent, 1, (int?)null), (status!.State, status.Agent, status.Deliveries, status.Position));
        Assert.Equal(ClaimOutcome.Gone, (await room.ClaimAsync("webchat/nobody", "agent-x", TimeSpan.FromMinutes(1))).Outcome);
    }

    [Fact]
    public async Task AnAbandonedClaim_ReturnsToItsPlace_AndTooManyBecomeADeadLetter()
    {
        var room = await CreateAsync();
        await room.EnqueueAsync(Entry("first"));
        await room.EnqueueAsync(Entry("second"));
        await room.ClaimAsync("webchat/first", "agent-a", TimeSpan.FromSeconds(30));

        Clock.Advance(TimeSpan.FromSeconds(20));
        Assert.True(await room.RenewAsync("webchat/first", "agent-a", TimeSpan.FromSeconds(30)));
        Assert.False(await room.RenewAsync("webchat/first", "agent-b", TimeSpan.FromSeconds(30)));
        Clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Empty(await room.ReclaimExpiredAsync(maxDeliveries: 2));

        Clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(["webchat/first"], await room.ReclaimExpiredAsync(maxDeliveries: 2));
        var back = await room.FindAsync("webchat/first");
        Assert.Equal((WaitingStates.Waiting, (string?)null, (int?)1, 1), (back!.State, back.Agent, back.Position, back.Deliveries));

        await room.ClaimAsync("webchat/first", "agent-c", TimeSpan.FromSeconds(30));
        Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(["webchat/first"], await room.ReclaimExpiredAsync(maxDeliveries: 2));

        var dead = await room.FindAsync("webchat/first");
        Assert.Equal(WaitingStates.Dead, dead!.State);
        var list = await room.ListAsync();
        Assert.Equal(["webchat/second", "webchat/first"], list.Select(s => s.Entry.Conversation));
        Assert.Equal(WaitingStates.Dead, list[^1].State);
        Assert.Equal(ClaimOutcome.Gone, (await room.ClaimAsync("webchat/first", "agent-d", TimeSpan.FromSeconds(30))).Outcome);
    }

    [Fact]
    public async Task ClaimNext_TakesTheFirstInLine_UntilNobodyWaits()
    {
        var room = await CreateAsync();
        await room.EnqueueAsync(Entry("other"));
        await room.EnqueueAsync(Entry("crisis", PriorityBand.Crisis));

        Assert.Equal("crisis", (await room.ClaimNextAsync("agent-a", TimeSpan.FromMinutes(1)))!.ConversationId);
        Assert.Equal("other", (await room.ClaimNextAsync("agent-b", TimeSpan.FromMinutes(1)))!.ConversationId);
        Assert.Null(await room.ClaimNextAsync("agent-c", TimeSpan.FromMinutes(1)));
        Assert.Equal("agent-b", (await room.FindAsync("webchat/other"))!.Agent);
    }

    [Fact]
    public async Task Release_PutsTheConversationBackAtItsPlace_AndRemoveForgetsIt()
    {
        var room = await CreateAsync();
        await room.EnqueueAsync(Entry("a"));
        await room.EnqueueAsync(Entry("b"));
        await room.ClaimAsync("webchat/a", "agent-a", TimeSpan.FromMinutes(1));

        Assert.False(await room.ReleaseAsync("webchat/a", "agent-b"));
        Assert.True(await room.ReleaseAsync("webchat/a", "agent-a"));
        Assert.Equal(1, (await room.FindAsync("webchat/a"))!.Position);

        Assert.True(await room.RemoveAsync("webchat/a"));
        Assert.False(await room.RemoveAsync("webchat/a"));
        Assert.Null(await room.FindAsync("webchat/a"));
        Assert.Equal(1, (await room.FindAsync("webchat/b"))!.Position);
    }

    [Fact]
    public async Task Presence_CountsStaffUntilTheirHeartbeatRunsOut()
    {
        var room = await CreateAsync();

        await room.SetPresenceAsync("agent-a", online: true, TimeSpan.FromSeconds(30));
        await room.SetPresenceAsync("agent-b", online: true, TimeSpan.FromSeconds(90));
        Assert.Equal(2, await room.StaffOnlineAsync());

        Clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(1, await room.StaffOnlineAsync());
        await room.SetPresenceAsync("agent-b", online: false, TimeSpan.Zero);
        Assert.Equal(0, await room.StaffOnlineAsync());
    }

    [Fact]
    public async Task EveryChange_IsAnnounced_OnEveryHost()
    {
        var room = await CreateAsync();
        var peer = await PeerAsync(room);
        var announced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        peer.Changed += () => announced.TrySetResult();

        // A host that has only just subscribed may miss the very first announcement (hosts also poll); the next ones arrive.
        for (var i = 0; i < 10 && !announced.Task.IsCompleted; i++)
        {
            await room.EnqueueAsync(Entry("news-" + i));
            await Task.WhenAny(announced.Task, Task.Delay(500));
        }

        Assert.True(announced.Task.IsCompleted, "no change was announced to the other host");
    }
}
