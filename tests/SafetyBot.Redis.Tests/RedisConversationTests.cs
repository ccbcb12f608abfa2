using System.Text;
using Microsoft.Extensions.DependencyInjection;
using SafetyBot.Core.Conversations;
using SafetyBot.Core.Transcripts;
using SafetyBot.Testing;

namespace SafetyBot.Redis.Tests;

/// <summary>The real pipeline and bot on Redis: encryption at rest, retention on every key, and erase.</summary>
public sealed class RedisConversationTests
{
    private static async Task<(BotHarness Bot, RedisConnection Redis)> CreateAsync()
    {
        var bot = BotHarness.Create(new Dictionary<string, string?>
        {
            ["Redis:Configuration"] = await SharedRedis.ConfigurationAsync(),
            ["Redis:KeyPrefix"] = SharedRedis.NewPrefix(),
            ["Retention:Conversation"] = "1.00:00:00",
        }, b => b.AddSafetyBotRedis());
        return (bot, bot.Services.GetRequiredService<RedisConnection>());
    }

    [Fact]
    public async Task EveryKeyOfAConversation_HasARetentionTtl_AndTranscriptsAreEncrypted()
    {
        var (bot, redis) = await CreateAsync();
        await using var _ = bot;
        var conversation = Guid.NewGuid().ToString("N");
        await bot.SendAsync(BotHarness.ConversationStart(conversation, "en"));
        await bot.SendAsync(BotHarness.Message(conversation, "he sent me money for game credits"));

        var keys = redis.Multiplexer.GetServers()[0].Keys(pattern: redis.Prefix + "*").ToList();

        Assert.NotEmpty(keys);
        foreach (var key in keys)
        {
            var ttl = await redis.Database.KeyTimeToLiveAsync(key);
            Assert.True(ttl is { } t && t > TimeSpan.Zero && t <= TimeSpan.FromDays(1), $"{key} has no retention TTL");
            var dump = Encoding.UTF8.GetString((byte[]?)await redis.Database.KeyDumpAsync(key) ?? []);
            Assert.DoesNotContain("game credits", dump, StringComparison.Ordinal);
        }

        var transcript = await bot.Services.GetRequiredService<ITranscriptArchive>().ReadAsync(ConversationKey.For("test", conversation), default);
        Assert.Contains(transcript, e => e.Text == "he sent me money for game credits");
    }

    [Fact]
    public async Task QuickExit_LeavesNoKeyOfTheConversation()
    {
        var (bot, redis) = await CreateAsync();
        await using var _ = bot;
        var conversation = Guid.NewGuid().ToString("N");
        await bot.SendAsync(BotHarness.ConversationStart(conversation, "en"));
        await bot.SendAsync(BotHarness.Message(conversation, "helplines"));
        Assert.NotEmpty(redis.Multiplexer.GetServers()[0].Keys(pattern: redis.Prefix + "*"));

        await bot.SendAsync(BotHarness.Message(conversation, "exit"));

        Assert.Empty(redis.Multiplexer.GetServers()[0].Keys(pattern: redis.Prefix + "*"));
    }

    [Fact]
    public async Task ConcurrentTurnsThroughTwoHosts_NeverLoseAStateUpdate()
    {
        var prefix = SharedRedis.NewPrefix();
        var settings = new Dictionary<string, string?>
        {
            ["Redis:Configuration"] = await SharedRedis.ConfigurationAsync(),
            ["Redis:KeyPrefix"] = prefix,
        };
        await using var hostA = BotHarness.Create(settings, b => b.AddSafetyBotRedis());
        await using var hostB = BotHarness.Create(settings, b => b.AddSafetyBotRedis());
        var conversation = Guid.NewGuid().ToString("N");

        await Task.WhenAll(Enumerable.Range(0, 30).Select(i => Task.Run(() => (i % 2 == 0 ? hostA : hostB).SendAsync(BotHarness.Message(conversation, "menu")))));

        var state = await hostA.Services.GetRequiredService<Microsoft.Bot.Builder.IStorage>().ReadAsync([$"test/conversations/{conversation}"]);
        var data = (SafetyBot.Core.Bot.ConversationData)((IDictionary<string, object>)state.Values.Single())[nameof(SafetyBot.Core.Bot.ConversationData)];
        Assert.Equal(30, data.Turns);
    }
}
