using System.Text;
using SafetyBot.Core.Delivery;
using Xunit;

namespace SafetyBot.Testing;

/// <summary>
/// What every delivery queue guarantees: a line's items go in order and one at a time; urgent items go first; a
/// line waits between items and the queue keeps its rate; a receipt adds once; an item whose sender vanished is
/// handed out again; a retried item stays first; clearing a line drops what waits and returns its recorded ids.
/// </summary>
public abstract class PostboxContractTests
{
    private static readonly DeliveryPacing Unpaced = new();

    protected ManualClock Clock { get; } = new();

    protected abstract Task<IPostboxes> CreateAsync();

    /// <summary>The same queues seen from another host; the same instance when there is only one process.</summary>
    protected virtual Task<IPostboxes> PeerAsync(IPostboxes first) => Task.FromResult(first);

    private static DeliveryItem Item(string text, bool urgent = false) => new(DeliveryItem.NewId(), urgent, Encoding.UTF8.GetBytes(text));

    private static string TextOf(DeliveryTake take) => Encoding.UTF8.GetString(Assert.IsType<DeliveryLease>(take.Lease).Item.Payload);

    private static async Task<List<string>> DrainAsync(IPostbox queue)
    {
        var sent = new List<string>();
        while ((await queue.TakeAsync()).Lease is { } lease)
        {
            sent.Add(Encoding.UTF8.GetString(lease.Item.Payload));
            Assert.True(await queue.CompleteAsync(lease));
        }

        return sent;
    }

    [Fact]
    public async Task ALinesItems_GoInOrder_AndOneAtATime()
    {
        var queue = (await CreateAsync()).Open("out", Unpaced);
        await queue.AddAsync("telegram/1", [Item("a1"), Item("a2")]);
        await queue.AddAsync("telegram/2", [Item("b1")]);
        await queue.AddAsync("telegram/1", [Item("a3")]);

        var first = await queue.TakeAsync();
        var second = await queue.TakeAsync();
        var none = await queue.TakeAsync();

        Assert.Equal("a1", TextOf(first));
        Assert.Equal("b1", TextOf(second));
        Assert.Null(none.Lease); // a2 waits until a1 is done
        Assert.NotNull(none.NextIn);
        Assert.True(await queue.CompleteAsync(first.Lease!));
        Assert.True(await queue.CompleteAsync(second.Lease!));
        Assert.Equal(["a2", "a3"], await DrainAsync(queue));
        Assert.Equal(0, await queue.PendingLinesAsync());
        Assert.Null((await queue.TakeAsync()).NextIn);
    }

    [Fact]
    public async Task UrgentItems_GoAheadOfOtherLines_AndOfTheirOwnLine()
    {
        var queue = (await CreateAsync()).Open("out", Unpaced);
        await queue.AddAsync("telegram/1", [Item("a1"), Item("a2")]);
        await queue.AddAsync("telegram/2", [Item("b1"), Item("b2")]);
        await queue.AddAsync("telegram/2", [Item("crisis-1", urgent: true), Item("crisis-2", urgent: true), Item("b3")]);

        var order = await DrainAsync(queue);

        Assert.Equal(["crisis-1", "crisis-2"], order.Take(2));
        Assert.Equal(["b1", "b2", "b3"], order.Where(t => t.StartsWith('b')));
        Assert.Equal(["a1", "a2"], order.Where(t => t.StartsWith('a')));
    }

    [Fact]
    public async Task ALineWaitsBetweenItems()
    {
        var queue = (await CreateAsync()).Open("out", new DeliveryPacing { PerLine = TimeSpan.FromSeconds(1) });
        await queue.AddAsync("telegram/1", [Item("a1"), Item("a2")]);

        Assert.True(await queue.CompleteAsync((await queue.TakeAsync()).Lease!));
        var waiting = await queue.TakeAsync();
        await queue.AddAsync("telegram/2", [Item("b1")]);
        var other = await queue.TakeAsync();
        Clock.Advance(TimeSpan.FromSeconds(1));
        var a2 = await queue.TakeAsync();

        Assert.Null(waiting.Lease);
        Assert.InRange(waiting.NextIn!.Value, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(1.01));
        Assert.Equal("b1", TextOf(other)); // other lines do not wait for it
        Assert.Equal("a2", TextOf(a2));
    }

    [Fact]
    public async Task TheQueueKeepsItsRate_WithRoomForUrgentItems()
    {
        var queue = (await CreateAsync()).Open("out", new DeliveryPacing { PerSecond = 3, UrgentReserve = 1 });
        Clock.Advance(TimeSpan.FromMilliseconds(1000 - (Clock.GetUtcNow().ToUnixTimeMilliseconds() % 1000))); // start of a second
        for (var i = 1; i <= 4; i++)
        {
            await queue.AddAsync("telegram/" + i, [Item("x" + i)]);
        }

        var x1 = await queue.TakeAsync();
        var spread = await queue.TakeAsync(); // ordinary items are spread over the second: one per half second here
        Clock.Advance(TimeSpan.FromMilliseconds(500));
        var x2 = await queue.TakeAsync();
        var blocked = await queue.TakeAsync(); // two ordinary items this second: the third is kept for urgent ones
        await queue.AddAsync("telegram/9", [Item("crisis", urgent: true)]);
        var crisis = await queue.TakeAsync();
        var full = await queue.TakeAsync();
        Clock.Advance(TimeSpan.FromSeconds(1));
        var x3 = await queue.TakeAsync();

        Assert.Equal(["x1", "x2"], [TextOf(x1), TextOf(x2)]);
        Assert.Null(spread.Lease);
        Assert.Null(blocked.Lease);
        Assert.Equal("crisis", TextOf(crisis));
        Assert.Null(full.Lease);
        Assert.InRange(full.NextIn!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1));
        Assert.Equal("x3", TextOf(x3));
    }

    [Fact]
    public async Task ABurstOfOrdinaryItems_NeverFillsTheWindow_SoAnUrgentOneGoesAtOnce()
    {
        var queue = (await CreateAsync()).Open("out", new DeliveryPacing { PerSecond = 30, UrgentReserve = 3 });
        for (var i = 0; i < 40; i++)
        {
            await queue.AddAsync("telegram/" + i, [Item("x" + i)]);
        }

        var taken = 0;
        while ((await queue.TakeAsync()).Lease is not null)
        {
            taken++;
        }

        await queue.AddAsync("telegram/crisis", [Item("crisis", urgent: true)]);
        var crisis = await queue.TakeAsync();

        var held = await queue.TakeAsync();
        Assert.Equal(3, taken); // a small burst, then one about every 37 ms
        Assert.InRange(held.NextIn!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(112)); // not the whole second
        Assert.Equal("crisis", TextOf(crisis));
        var sent = taken + 1;
        for (var ms = 0; ms < 1000; ms += 10)
        {
            Clock.Advance(TimeSpan.FromMilliseconds(10));
            while ((await queue.TakeAsync()).Lease is not null)
            {
                sent++;
            }
        }

        Assert.InRange(sent, 27, 30); // and never more than the rate in a second
    }

    [Fact]
    public async Task AnItemCountsInTheRate_UntilAWindowAfterItLeftItsLease_NotAfterItWasTaken()
    {
        var queue = (await CreateAsync()).Open("out", new DeliveryPacing { PerSecond = 2, UrgentReserve = 1, RateWindow = TimeSpan.FromSeconds(1) });
        foreach (var chat in new[] { "a", "b", "c" })
        {
            await queue.AddAsync("telegram/" + chat, [Item(chat, urgent: true)]);
        }

        var a = Assert.IsType<DeliveryLease>((await queue.TakeAsync()).Lease);
        var b = Assert.IsType<DeliveryLease>((await queue.TakeAsync()).Lease);
        Clock.Advance(TimeSpan.FromMilliseconds(900)); // both sends took most of a second
        Assert.True(await queue.CompleteAsync(a));
        await queue.RetryAsync(b, TimeSpan.FromSeconds(5));
        Clock.Advance(TimeSpan.FromMilliseconds(200)); // a second after they were taken, 200 ms after they arrived

        var held = await queue.TakeAsync();
        Clock.Advance(TimeSpan.FromMilliseconds(800));
        var c = await queue.TakeAsync();

        Assert.Null(held.Lease);
        Assert.InRange(held.NextIn!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(800));
        Assert.Equal("c", TextOf(c));
    }

    [Fact]
    public async Task CompletingAndTakingTogether_KeepsTheLineRules_AndTellsWhenTheLineWasCleared()
    {
        var queue = (await CreateAsync()).Open("out", new DeliveryPacing { PerLine = TimeSpan.FromSeconds(1) });
        await queue.AddAsync("telegram/1", [Item("a1"), Item("a2")]);
        await queue.AddAsync("telegram/2", [Item("b1"), Item("b2")]);

        var a1 = (await queue.TakeAsync()).Lease!;
        var (completed, next) = await queue.CompleteAndTakeAsync(a1, sentId: 11);

        // a1 is done, and the next due is b1, not a2: a line still waits a second between its items.
        Assert.True(completed);
        Assert.Equal("b1", TextOf(next));
        var (_, nothing) = await queue.CompleteAndTakeAsync(next.Lease!);
        Assert.Null(nothing.Lease);
        Assert.InRange(nothing.NextIn!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1100));

        Clock.Advance(TimeSpan.FromSeconds(1));
        var a2 = await queue.TakeAsync();
        Assert.Equal("a2", TextOf(a2));

        // Quick exit cleared the line while a2 was out: the sender hears it (to take a2 back) and still gets the next item.
        Assert.Equal([11L], await queue.ClearAsync("telegram/1", Clock.GetUtcNow().AddMinutes(-1)));
        var (stillThere, b2) = await queue.CompleteAndTakeAsync(a2.Lease!, sentId: 12);
        Assert.False(stillThere);
        Assert.Equal("b2", TextOf(b2));
        Assert.True(await queue.CompleteAsync(b2.Lease!));
        Assert.Equal(0, await queue.PendingLinesAsync());
    }

    [Fact]
    public async Task AddingWithAReceipt_HappensOnce_AlsoFromAnotherHost()
    {
        var queues = await CreateAsync();
        var queue = queues.Open("out", Unpaced);
        var peer = (await PeerAsync(queues)).Open("out", Unpaced);

        Assert.Equal(new[] { false }, await queue.HaveReceiptsAsync(["update-7"]));
        Assert.True(await queue.AddAsync("telegram/1", [Item("reply")], "update-7"));
        Assert.False(await peer.AddAsync("telegram/1", [Item("reply")], "update-7"));
        Assert.Equal(new[] { true }, await peer.HaveReceiptsAsync(["update-7"]));
        Assert.True(await queue.AddAsync("telegram/1", [], "update-8")); // a turn with nothing to say still leaves its receipt
        Assert.False(await peer.AddAsync("telegram/1", [Item("again")], "update-8"));

        Assert.Equal(["reply"], await DrainAsync(peer));
        Assert.Equal(new[] { false, true, false, true }, await queue.HaveReceiptsAsync(["update-6", "update-7", "update-9", "update-8"]));
        Assert.Empty(await queue.HaveReceiptsAsync([]));
    }

    [Fact]
    public async Task AnItemWhoseSenderVanished_IsHandedOutAgain_AfterTheLease()
    {
        var queues = await CreateAsync();
        var queue = queues.Open("out", Unpaced with { Lease = TimeSpan.FromSeconds(10) });
        var peer = (await PeerAsync(queues)).Open("out", Unpaced with { Lease = TimeSpan.FromSeconds(10) });
        await queue.AddAsync("telegram/1", [Item("a1"), Item("a2")]);

        var lost = await queue.TakeAsync();
        Assert.Null((await peer.TakeAsync()).Lease);
        Clock.Advance(TimeSpan.FromSeconds(11));
        var again = await peer.TakeAsync();

        Assert.Equal("a1", TextOf(again));
        Assert.Equal(lost.Lease!.Item.Id, again.Lease!.Item.Id);
        Assert.True(await peer.CompleteAsync(again.Lease));
        Assert.False(await queue.CompleteAsync(lost.Lease)); // the first sender's late completion changes nothing
        Assert.Equal(["a2"], await DrainAsync(peer));
    }

    [Fact]
    public async Task ARetriedItem_StaysFirst_AndIsDueAfterTheWait()
    {
        var queue = (await CreateAsync()).Open("out", Unpaced);
        await queue.AddAsync("telegram/1", [Item("a1"), Item("a2")]);

        var take = await queue.TakeAsync();
        await queue.RetryAsync(take.Lease!, TimeSpan.FromSeconds(3));
        var early = await queue.TakeAsync();
        Clock.Advance(TimeSpan.FromSeconds(3));

        Assert.Null(early.Lease);
        Assert.InRange(early.NextIn!.Value, TimeSpan.FromSeconds(2.9), TimeSpan.FromSeconds(3.01));
        Assert.Equal(["a1", "a2"], await DrainAsync(queue));
    }

    [Fact]
    public async Task ClearingALine_DropsWhatWaits_AndReturnsItsRecentIds()
    {
        var queue = (await CreateAsync()).Open("out", Unpaced);
        await queue.AddAsync("telegram/1", [Item("old")], receivedId: 5);
        var old = await queue.TakeAsync();
        Assert.True(await queue.CompleteAsync(old.Lease!, sentId: 6));
        Clock.Advance(TimeSpan.FromHours(47));
        var since = Clock.GetUtcNow() - TimeSpan.FromHours(46);
        await queue.AddAsync("telegram/1", [Item("a1"), Item("a2")], receivedId: 7);
        var inFlight = await queue.TakeAsync();
        Assert.True(await queue.CompleteAsync(inFlight.Lease!, sentId: 8));
        var stillOut = await queue.TakeAsync();
        await queue.AddAsync("telegram/2", [Item("b1")]);

        var ids = await queue.ClearAsync("telegram/1", since);

        Assert.Equal([7L, 8L], ids.Order());
        Assert.False(await queue.CompleteAsync(stillOut.Lease!, sentId: 9)); // cleared while it was out: take it back
        Assert.Equal(["b1"], await DrainAsync(queue));
        Assert.Empty(await queue.ClearAsync("telegram/1", since));
        await queue.AddAsync("telegram/1", [Item("closing")]);
        Assert.Equal(["closing"], await DrainAsync(queue));
    }

    [Fact]
    public async Task Adding_WakesSenders_OnEveryHost()
    {
        var queues = await CreateAsync();
        var queue = queues.Open("out", Unpaced);
        var peer = (await PeerAsync(queues)).Open("out", Unpaced);
        var woken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        peer.Added += () => woken.TrySetResult();

        await queue.AddAsync("telegram/1", [Item("a1")]);

        await woken.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("a1", TextOf(await peer.TakeAsync()));
    }
}
