using System.Collections.Concurrent;
using SafetyBot.Core.Streams;
using Xunit;

namespace SafetyBot.Testing;

/// <summary>The activity-stream contract, run against the in-process and the Redis store.</summary>
public abstract class ActivityStreamStoreContractTests
{
    protected abstract Task<IActivityStreamStore> CreateStoreAsync();

    /// <summary>A second store sharing the first's data, as another host would (the in-process store returns the same).</summary>
    protected abstract Task<IActivityStreamStore> CreatePeerAsync(IActivityStreamStore first);

    private static string NewId() => Guid.NewGuid().ToString("N");

    [Fact]
    public async Task AppendToUnknownStream_ReturnsNull()
    {
        var store = await CreateStoreAsync();

        Assert.Null(await store.AppendAsync(NewId(), "{}", default));
        Assert.False(await store.ExistsAsync(NewId(), default));
        Assert.Null(await store.GetWatermarkAsync(NewId(), default));
    }

    [Fact]
    public async Task Create_IsIdempotent()
    {
        var store = await CreateStoreAsync();
        var id = NewId();

        Assert.True(await store.CreateAsync(id, default));
        Assert.False(await store.CreateAsync(id, default));
        Assert.Equal(0, await store.GetWatermarkAsync(id, default));
    }

    [Fact]
    public async Task Appends_AreNumberedInOrder_AndTheMarkerCarriesTheWatermark()
    {
        var store = await CreateStoreAsync();
        var id = NewId();
        await store.CreateAsync(id, default);

        var first = await store.AppendAsync(id, "{\"id\":\"c|" + IActivityStreamStore.WatermarkMarker + "\"}", default);
        var second = await store.AppendAsync(id, "{\"text\":\"ünï 💬\"}", default);
        var all = await store.ReadAsync(id, 0, 100, default);
        var after1 = await store.ReadAsync(id, 1, 100, default);

        Assert.Equal(1, first!.Value.Watermark);
        Assert.Equal("{\"id\":\"c|0000001\"}", first.Value.Payload);
        Assert.Equal(2, second!.Value.Watermark);
        Assert.Equal([1L, 2L], all.Select(e => e.Watermark));
        Assert.Equal("{\"id\":\"c|0000001\"}", all[0].Payload);
        Assert.Equal("{\"text\":\"ünï 💬\"}", Assert.Single(after1).Payload);
        Assert.Equal(2, await store.GetWatermarkAsync(id, default));
    }

    [Fact]
    public async Task ConcurrentAppends_GetDistinctConsecutiveWatermarks()
    {
        var store = await CreateStoreAsync();
        var id = NewId();
        await store.CreateAsync(id, default);

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => store.AppendAsync(id, "{\"n\":" + i + "}", default)));

        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), results.Select(r => r!.Value.Watermark).Order());
        Assert.Equal(50, (await store.ReadAsync(id, 0, 1000, default)).Count);
    }

    [Fact]
    public async Task Subscribers_OnAnotherHost_SeeAppends()
    {
        var store = await CreateStoreAsync();
        var peer = await CreatePeerAsync(store);
        var id = NewId();
        await store.CreateAsync(id, default);
        var seen = new ConcurrentQueue<StreamEntry>();
        var arrived = new TaskCompletionSource();
        using var subscription = peer.Subscribe(id, e =>
        {
            seen.Enqueue(e);
            if (seen.Count == 2)
            {
                arrived.TrySetResult();
            }
        });
        await Task.Delay(100);

        await store.AppendAsync(id, "{\"a\":1}", default);
        await store.AppendAsync(id, "{\"a\":2}", default);
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([1L, 2L], seen.Select(e => e.Watermark));
        Assert.Equal("{\"a\":2}", seen.Last().Payload);
    }

    [Fact]
    public async Task Delete_RemovesTheStream()
    {
        var store = await CreateStoreAsync();
        var id = NewId();
        await store.CreateAsync(id, default);
        await store.AppendAsync(id, "{}", default);

        await store.DeleteAsync(id, default);

        Assert.False(await store.ExistsAsync(id, default));
        Assert.Empty(await store.ReadAsync(id, 0, 10, default));
        Assert.Null(await store.AppendAsync(id, "{}", default));
    }

    [Fact]
    public async Task ReadAsync_HonoursMaxCount()
    {
        var store = await CreateStoreAsync();
        var id = NewId();
        await store.CreateAsync(id, default);
        for (var i = 0; i < 10; i++)
        {
            await store.AppendAsync(id, "{}", default);
        }

        var page = await store.ReadAsync(id, 3, 4, default);

        Assert.Equal([4L, 5L, 6L, 7L], page.Select(e => e.Watermark));
    }
}
