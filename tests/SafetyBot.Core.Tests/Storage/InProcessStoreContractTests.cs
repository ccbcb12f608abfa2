using Microsoft.Bot.Builder;
using Microsoft.Extensions.Options;
using SafetyBot.Core.Storage;
using SafetyBot.Core.Streams;
using SafetyBot.Testing;

namespace SafetyBot.Core.Tests.Storage;

public sealed class InProcessStorageContractTests : StorageContractTests
{
    protected override Task<IStorage> CreateStorageAsync() =>
        Task.FromResult<IStorage>(new InProcessStorage(Options.Create(new RetentionOptions()), TimeProvider.System));

    [Fact]
    public async Task ExpiredItems_AreNotReturned()
    {
        var clock = new ManualClock();
        var storage = new InProcessStorage(Options.Create(new RetentionOptions { Conversation = TimeSpan.FromMinutes(5) }), clock);
        await storage.WriteAsync(new Dictionary<string, object> { ["k"] = new Item { Count = 1 } });

        clock.Advance(TimeSpan.FromMinutes(6));

        Assert.Empty(await storage.ReadAsync(["k"]));
    }
}

public sealed class InProcessActivityStreamStoreContractTests : ActivityStreamStoreContractTests
{
    protected override Task<IActivityStreamStore> CreateStoreAsync() =>
        Task.FromResult<IActivityStreamStore>(new InProcessActivityStreamStore(Options.Create(new RetentionOptions()), TimeProvider.System));

    protected override Task<IActivityStreamStore> CreatePeerAsync(IActivityStreamStore first) => Task.FromResult(first);

    [Fact]
    public async Task ExpiredStreams_AreGone()
    {
        var clock = new ManualClock();
        var store = new InProcessActivityStreamStore(Options.Create(new RetentionOptions { Conversation = TimeSpan.FromMinutes(5) }), clock);
        await store.CreateAsync("s", default);
        await store.AppendAsync("s", "{}", default);

        clock.Advance(TimeSpan.FromMinutes(6));

        Assert.False(await store.ExistsAsync("s", default));
        Assert.Empty(await store.ReadAsync("s", 0, 10, default));
    }
}
