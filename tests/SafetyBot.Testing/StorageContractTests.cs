using Microsoft.Bot.Builder;
using SafetyBot.Core.Storage;
using Xunit;

namespace SafetyBot.Testing;

/// <summary>
/// Bot Builder's storage contract, run against every <see cref="IStorage"/> SafetyBot has: <c>*</c>
/// overwrites, a stale or empty ETag on an existing key fails, every write gets a new ETag.
/// </summary>
public abstract class StorageContractTests
{
    protected abstract Task<IStorage> CreateStorageAsync();

    [Fact]
    public async Task ReadingUnknownKeys_ReturnsNothing()
    {
        var storage = await CreateStorageAsync();

        var result = await storage.ReadAsync(["unknown-1", "unknown-2"]);

        Assert.Empty(result);
    }

    [Fact]
    public async Task WrittenItems_ReadBackEqualWithAnETag()
    {
        var storage = await CreateStorageAsync();

        await storage.WriteAsync(new Dictionary<string, object>
        {
            ["a"] = new Item { Text = "één 💬 ünïcödé", Count = 1 },
            ["b"] = new Dictionary<string, object> { ["n"] = 42L },
        });
        var result = await storage.ReadAsync(["a", "b"]);

        var a = Assert.IsType<Item>(result["a"]);
        Assert.Equal("één 💬 ünïcödé", a.Text);
        Assert.Equal(1, a.Count);
        Assert.False(string.IsNullOrEmpty(a.ETag));
        var b = Assert.IsType<Dictionary<string, object>>(result["b"]);
        Assert.Equal(42L, b["n"]);
    }

    [Fact]
    public async Task EveryWrite_GetsANewETag()
    {
        var storage = await CreateStorageAsync();
        await storage.WriteAsync(new Dictionary<string, object> { ["k"] = new Item { Count = 1 } });
        var first = (Item)(await storage.ReadAsync(["k"]))["k"];

        await storage.WriteAsync(new Dictionary<string, object> { ["k"] = first });
        var second = (Item)(await storage.ReadAsync(["k"]))["k"];

        Assert.NotEqual(first.ETag, second.ETag);
    }

    [Fact]
    public async Task WriteWithStaleETag_FailsAndKeepsStoredValue()
    {
        var storage = await CreateStorageAsync();
        await storage.WriteAsync(new Dictionary<string, object> { ["k"] = new Item { Count = 1 } });
        var read = (Item)(await storage.ReadAsync(["k"]))["k"];
        read.Count = 2;
        await storage.WriteAsync(new Dictionary<string, object> { ["k"] = read });

        read.Count = 3;
        var stale = new Item { Count = 3, ETag = read.ETag };
        await Assert.ThrowsAsync<StorageConflictException>(() => storage.WriteAsync(new Dictionary<string, object> { ["k"] = stale }));

        var stored = (Item)(await storage.ReadAsync(["k"]))["k"];
        Assert.Equal(2, stored.Count);
    }

    [Fact]
    public async Task WriteWithEmptyETagOnExistingKey_Fails()
    {
        var storage = await CreateStorageAsync();
        await storage.WriteAsync(new Dictionary<string, object> { ["k"] = new Item { Count = 1 } });

        await Assert.ThrowsAsync<StorageConflictException>(() =>
            storage.WriteAsync(new Dictionary<string, object> { ["k"] = new Item { Count = 9, ETag = string.Empty } }));
    }

    [Fact]
    public async Task WriteWithStar_Overwrites()
    {
        var storage = await CreateStorageAsync();
        await storage.WriteAsync(new Dictionary<string, object> { ["k"] = new Item { Count = 1 } });

        await storage.WriteAsync(new Dictionary<string, object> { ["k"] = new Item { Count = 7, ETag = "*" } });

        Assert.Equal(7, ((Item)(await storage.ReadAsync(["k"]))["k"]).Count);
    }

    [Fact]
    public async Task ValuesWithoutETag_AreLastWriterWins()
    {
        var storage = await CreateStorageAsync();
        await storage.WriteAsync(new Dictionary<string, object> { ["k"] = new Dictionary<string, object> { ["v"] = 1L } });

        await storage.WriteAsync(new Dictionary<string, object> { ["k"] = new Dictionary<string, object> { ["v"] = 2L } });

        Assert.Equal(2L, ((Dictionary<string, object>)(await storage.ReadAsync(["k"]))["k"])["v"]);
    }

    [Fact]
    public async Task ConcurrentWritersWithTheSameETag_ExactlyOneWins()
    {
        var storage = await CreateStorageAsync();
        await storage.WriteAsync(new Dictionary<string, object> { ["k"] = new Item { Count = 0 } });
        var etag = ((Item)(await storage.ReadAsync(["k"]))["k"]).ETag;

        var attempts = Enumerable.Range(1, 16).Select(async i =>
        {
            try
            {
                await storage.WriteAsync(new Dictionary<string, object> { ["k"] = new Item { Count = i, ETag = etag } });
                return true;
            }
            catch (StorageConflictException)
            {
                return false;
            }
        });
        var results = await Task.WhenAll(attempts);

        Assert.Equal(1, results.Count(r => r));
    }

    [Fact]
    public async Task DeletedKeys_AreGone_AndDeletingUnknownKeysIsFine()
    {
        var storage = await CreateStorageAsync();
        await storage.WriteAsync(new Dictionary<string, object> { ["k"] = new Item { Count = 1 } });

        await storage.DeleteAsync(["k", "never-written"]);

        Assert.Empty(await storage.ReadAsync(["k"]));
    }

    [Fact]
    public async Task UnusualKeys_RoundTrip()
    {
        var storage = await CreateStorageAsync();
        var keys = new[] { "!@#$%^&*()~/\\><,.?';\"`~", "{tag}", new string('x', 2000), "ключ/🔑", "\u0000" };

        await storage.WriteAsync(keys.ToDictionary(k => k, k => (object)new Item { Text = k }));
        var result = await storage.ReadAsync(keys);

        Assert.All(keys, k => Assert.Equal(k, ((Item)result[k]).Text));
    }

    public sealed class Item : IStoreItem
    {
        public string? Text { get; set; }

        public int Count { get; set; }

        public string? ETag { get; set; }
    }
}
