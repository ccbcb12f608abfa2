using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using SafetyBot.Core.Bot;
using SafetyBot.Core.Localization;
using SafetyBot.Redis;
using SafetyBot.Telegram.Emulator;
using SafetyBot.Testing;
using StackExchange.Redis;
using global::Telegram.Bot.Types;
using global::Telegram.Bot.Types.Enums;

namespace SafetyBot.Channels.Telegram.Tests;

/// <summary>Replies wait in the Redis outbox: a host killed outright loses none, and an update is answered once.</summary>
public sealed class TelegramDurabilityTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private static readonly TextCatalog Catalog = BotContent.Load(BotContent.LocateRoot(null)).Catalog;
    private TelegramBotApiEmulator _telegram = null!;

    public async Task InitializeAsync() => _telegram = await TelegramBotApiEmulator.StartAsync();

    public async Task DisposeAsync() => await _telegram.DisposeAsync();

    private static string Text(string key) => Catalog.Format("en", key, [("emergency", "112")]);

    /// <summary>The host in this process, long polling the emulator, with its state and outbox in Redis under the prefix.</summary>
    private async Task<TestHost> StartRedisHostAsync(string prefix) => await TestHost.StartAsync(new Dictionary<string, string?>
    {
        ["Telegram:BotToken"] = _telegram.Token,
        ["Telegram:ApiBaseUrl"] = _telegram.BaseUrl,
        ["Telegram:PollingTimeoutSeconds"] = "1",
        ["Telegram:PaceMessages"] = "false",
        ["Redis:Configuration"] = await SharedRedis.ConfigurationAsync(),
        ["Redis:KeyPrefix"] = prefix,
    });

    [Fact]
    public async Task AHostKilledWithRepliesInItsOutbox_LosesNone_AndARestartSendsEachOnce()
    {
        var environment = new Dictionary<string, string>
        {
            ["Telegram__BotToken"] = _telegram.Token,
            ["Telegram__ApiBaseUrl"] = _telegram.BaseUrl,
            ["Telegram__PollingTimeoutSeconds"] = "1",
            ["Telegram__PaceMessages"] = "false",
            ["Telegram__SendLeaseSeconds"] = "3",
            ["Redis__Configuration"] = await SharedRedis.ConfigurationAsync(),
            ["Redis__KeyPrefix"] = SharedRedis.NewPrefix(),
            ["Transcripts__EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["DirectLine__TokenSigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        };
        var chats = Enumerable.Range(0, 6).Select(i => _telegram.NewChat("User" + i, "en")).ToList();
        _telegram.FailNext("sendMessage", 10_000, 502); // Telegram is away: every reply must wait in the outbox
        foreach (var chat in chats)
        {
            _telegram.PostText(chat, "helplines");
        }

        var (first, _) = await HostProcess.StartAsync(environment);
        try
        {
            // Every update is confirmed to Telegram (nothing pending) and every chat's reply has been tried.
            await _telegram.WaitUntilAsync(() => _telegram.PendingUpdateCount == 0
                && chats.All(c => _telegram.CallsTo("sendMessage").Any(call => call.StatusCode == 502 && call.Parameters["chat_id"]?.ToString() == c.ToString(System.Globalization.CultureInfo.InvariantCulture))), Wait);
        }
        finally
        {
            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
        }

        Assert.All(chats, c => Assert.Empty(_telegram.MessagesTo(c)));
        _telegram.ClearFaults("sendMessage");
        var (second, _) = await HostProcess.StartAsync(environment);
        try
        {
            var ask = Text("helplines.ask_country");
            await _telegram.WaitUntilAsync(() => chats.All(c => _telegram.MessagesTo(c).Any(m => m.Text == ask)), Wait);

            // The question each person is answering survived too: their answer goes on from it.
            foreach (var chat in chats)
            {
                _telegram.PostText(chat, Text("helplines.other_country"));
            }

            await _telegram.WaitUntilAsync(() => chats.All(c => _telegram.MessagesTo(c).Any(m => m.Text.Contains("116 111", StringComparison.Ordinal))), Wait);
            await Task.Delay(1500);
            foreach (var chat in chats)
            {
                Assert.Equal(1, _telegram.MessagesTo(chat).Count(m => m.Text == ask));
                Assert.Equal(1, _telegram.MessagesTo(chat).Count(m => m.Text.Contains("116 111", StringComparison.Ordinal)));
            }
        }
        finally
        {
            second.Kill(entireProcessTree: true);
            await second.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task AnUpdateWhoseTurnWasSaved_ButWhoseRepliesNeverReachedTheOutbox_IsAnsweredFromTheSavedReplies()
    {
        var prefix = SharedRedis.NewPrefix();
        await using var host = await StartRedisHostAsync(prefix);
        var chat = _telegram.NewChat("Sam", "en");
        _telegram.PostCommand(chat, "/start");
        await _telegram.WaitForMessageAsync(chat, m => m.Text == Text("welcome.safe_now"), Wait);
        var yes = _telegram.PostText(chat, Text("welcome.safe_yes"));
        await _telegram.WaitForMessageAsync(chat, m => m.Text == Text("menu.prompt"), Wait);
        var before = _telegram.MessagesTo(chat).Count;

        // As if the host had stopped after saving the turn's state but before its replies reached the outbox:
        // the receipt is missing, and Telegram delivers the update again.
        var bot = host.Services.GetRequiredService<global::Telegram.Bot.ITelegramBotClient>();
        var redis = host.Services.GetRequiredService<RedisConnection>();
        Assert.True(await redis.Database.KeyDeleteAsync(redis.Key("dq:{" + TelegramOutbox.Name + "}:receipt:" + TelegramOutbox.Receipt(bot.BotId, (int)yes.UpdateId))));
        var again = new Update
        {
            Id = (int)yes.UpdateId,
            Message = new Message
            {
                Id = yes.MessageId!.Value,
                Date = DateTime.UtcNow,
                Chat = new Chat { Id = chat, Type = ChatType.Private },
                From = new User { Id = chat, FirstName = "Sam", LanguageCode = "en" },
                Text = Text("welcome.safe_yes"),
            },
        };
        Assert.True(await host.Services.GetRequiredService<TelegramPollingService>().HandleOnceAsync(again, CancellationToken.None));
        Assert.False(await host.Services.GetRequiredService<TelegramPollingService>().HandleOnceAsync(again, CancellationToken.None));

        await _telegram.WaitUntilAsync(() => _telegram.MessagesTo(chat).Count > before, Wait);
        await Task.Delay(500);
        var after = _telegram.MessagesTo(chat).Skip(before).ToList();
        var resent = Assert.Single(after); // the saved reply, not a second run of the turn on state it already changed
        Assert.Equal(Text("menu.prompt"), resent.Text);

        // The transcript holds the person's words and the reply once, as they happened.
        var transcript = await host.Services.GetRequiredService<SafetyBot.Core.Transcripts.ITranscriptArchive>()
            .ReadAsync(SafetyBot.Core.Conversations.ConversationKey.For("telegram", chat.ToString(System.Globalization.CultureInfo.InvariantCulture)), CancellationToken.None);
        Assert.Single(transcript, e => e.Text == Text("welcome.safe_yes"));
        Assert.Single(transcript, e => e.Text == Text("menu.prompt"));
    }

    [Fact]
    public async Task QuickExit_LeavesNothingOfTheChatInRedis_NotEvenMessageIds()
    {
        var prefix = SharedRedis.NewPrefix();
        await using var host = await StartRedisHostAsync(prefix);
        var chat = _telegram.NewChat("Sam", "en");
        var line = SafetyBot.Core.Delivery.Postboxes.LineId(TelegramOutbox.Line(chat));
        var redis = host.Services.GetRequiredService<RedisConnection>();
        var keys = () => redis.Multiplexer.GetServers()[0].Keys(pattern: prefix + "*").Select(k => k.ToString()).ToList();
        _telegram.PostCommand(chat, "/start");
        await _telegram.WaitForMessageAsync(chat, m => m.Text == Text("welcome.safe_now"), Wait);
        Assert.Contains(keys(), k => k.EndsWith(":ids:" + line, StringComparison.Ordinal)); // kept for quick exit

        _telegram.PostCommand(chat, "/exit");
        await _telegram.WaitForMessageAsync(chat, m => m.Text == "This conversation is closed.", Wait);
        await Task.Delay(500);

        Assert.DoesNotContain(keys(), k => k.Contains(line, StringComparison.Ordinal));
        Assert.DoesNotContain(host.Services.GetRequiredService<RedisStorage>().RedisKeyFor($"telegram/conversations/{chat}").ToString(), keys());
        Assert.Equal(["This conversation is closed."], _telegram.MessagesTo(chat).Select(m => m.Text));
    }

    [Fact]
    public async Task TheStartUpRehearsal_RunsEveryLanguagesTurns_WithoutCallingTelegram_OrKeepingAnythingInRedis()
    {
        var prefix = SharedRedis.NewPrefix();
        await using var host = await StartRedisHostAsync(prefix);
        var report = host.Services.GetRequiredService<TelegramRehearsal>().LastReport;

        Assert.NotNull(report);
        Assert.False(report.Failed);
        Assert.Equal(Catalog.Languages.Count, report.CrisisTurns); // every language's lexicon gives a crisis example
        Assert.True(report.UrgentReplies >= report.CrisisTurns, $"{report.UrgentReplies} urgent replies for {report.CrisisTurns} crisis turns");
        Assert.True(report.Turns >= 4 * Catalog.Languages.Count, $"{report.Turns} turns");

        // Nothing of it reached Telegram, and nothing of it stays in Redis.
        Assert.DoesNotContain(_telegram.Calls, c => c.Method is "sendMessage" or "sendChatAction" or "answerCallbackQuery" or "deleteMessage" or "deleteMessages");
        var redis = host.Services.GetRequiredService<RedisConnection>();
        var keys = redis.Multiplexer.GetServers()[0].Keys(pattern: prefix + "*").Select(k => k.ToString()).ToList();
        Assert.DoesNotContain(keys, k => k.StartsWith(prefix + "st:", StringComparison.Ordinal) || k.StartsWith(prefix + "tr:", StringComparison.Ordinal) || k.StartsWith(prefix + "lock:", StringComparison.Ordinal));

        // And the first person after it is answered as usual.
        var chat = _telegram.NewChat("Ana", "en");
        _telegram.PostCommand(chat, "/start");
        await _telegram.WaitForMessageAsync(chat, m => m.Text == Text("welcome.safe_now"), Wait);

        // A polling host listens for its outbox's announcements, not for the webhook inbox's.
        var channels = (await redis.Multiplexer.GetServers()[0].SubscriptionChannelsAsync(RedisChannel.Pattern(prefix + "dq:*"))).Select(c => c.ToString()).ToList();
        Assert.Contains(prefix + "dq:" + TelegramOutbox.Name + ":added", channels);
        Assert.DoesNotContain(prefix + "dq:" + TelegramInbox.Name + ":added", channels);
    }
}
