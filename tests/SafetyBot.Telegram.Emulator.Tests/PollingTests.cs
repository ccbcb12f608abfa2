using System.Diagnostics;
using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Polling;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;

namespace SafetyBot.Telegram.Emulator.Tests;

public sealed class PollingTests : EmulatorTest
{
    [Fact]
    public async Task UserMessage_ArrivesThroughGetUpdates_WithTelegramsShape()
    {
        var chatId = Emulator.NewChat("Olena", "uk");
        var posted = Emulator.PostText(chatId, "Привіт");

        var update = Assert.Single(await Bot.GetUpdates());

        Assert.Equal(posted.UpdateId, update.Id);
        Assert.Equal(UpdateType.Message, update.Type);
        var message = update.Message!;
        Assert.Equal("Привіт", message.Text);
        Assert.Equal(chatId, message.Chat.Id);
        Assert.Equal(ChatType.Private, message.Chat.Type);
        Assert.Equal("Olena", message.Chat.FirstName);
        Assert.Equal(chatId, message.From!.Id);
        Assert.False(message.From.IsBot);
        Assert.Equal("uk", message.From.LanguageCode);
        Assert.Equal(posted.MessageId, message.Id);
        Assert.True(Math.Abs((message.Date - DateTime.UtcNow).TotalMinutes) < 1);
    }

    [Fact]
    public async Task Offset_ConfirmsEarlierUpdates_SoTheyAreNotReturnedAgain()
    {
        var chatId = Emulator.NewChat();
        Emulator.PostText(chatId, "one");
        Emulator.PostText(chatId, "two");

        var first = await Bot.GetUpdates();
        var again = await Bot.GetUpdates();
        var afterFirst = await Bot.GetUpdates(offset: first[0].Id + 1);
        var afterBoth = await Bot.GetUpdates(offset: first[1].Id + 1);
        var withoutOffset = await Bot.GetUpdates();

        Assert.Equal(["one", "two"], first.Select(update => update.Message!.Text));
        Assert.Equal(first.Select(update => update.Id), again.Select(update => update.Id));
        Assert.Equal(["two"], afterFirst.Select(update => update.Message!.Text));
        Assert.Empty(afterBoth);
        Assert.Empty(withoutOffset);
        Assert.Equal(0, Emulator.PendingUpdateCount);
    }

    [Fact]
    public async Task Limit_CapsTheBatch_AndNegativeOffsetKeepsOnlyTheLatest()
    {
        var chatId = Emulator.NewChat();
        for (var i = 0; i < 5; i++)
        {
            Emulator.PostText(chatId, $"m{i}");
        }

        var firstTwo = await Bot.GetUpdates(limit: 2);
        var latest = await Bot.GetUpdates(offset: -1);
        var remaining = await Bot.GetUpdates();

        Assert.Equal(["m0", "m1"], firstTwo.Select(update => update.Message!.Text));
        Assert.Equal(["m4"], latest.Select(update => update.Message!.Text));
        Assert.Equal(["m4"], remaining.Select(update => update.Message!.Text));
    }

    [Fact]
    public async Task LongPoll_WithNothingToDeliver_ReturnsEmptyAfterTheTimeout()
    {
        var clock = Stopwatch.StartNew();

        var updates = await Bot.GetUpdates(timeout: 1);

        Assert.Empty(updates);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), $"returned after {clock.Elapsed}");
    }

    [Fact]
    public async Task LongPoll_ReturnsAsSoonAsAnUpdateArrives()
    {
        var chatId = Emulator.NewChat();
        var clock = Stopwatch.StartNew();
        var polling = Bot.GetUpdates(timeout: 30);
        await Emulator.WaitUntilAsync(() => Emulator.IsPolling);
        Assert.False(polling.IsCompleted);

        Emulator.PostText(chatId, "wake up");
        var updates = await polling;

        Assert.Equal("wake up", Assert.Single(updates).Message!.Text);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"returned after {clock.Elapsed}");
    }

    [Fact]
    public async Task SecondGetUpdates_EndsTheFirstWithConflict()
    {
        var first = Bot.GetUpdates(timeout: 30);
        await Emulator.WaitUntilAsync(() => Emulator.IsPolling);

        var second = Bot.GetUpdates(timeout: 0);

        var error = await Assert.ThrowsAsync<ApiRequestException>(() => first);
        Assert.Equal(409, error.ErrorCode);
        Assert.Contains("terminated by other getUpdates request", error.Message, StringComparison.Ordinal);
        Assert.Empty(await second);
    }

    [Fact]
    public async Task AllowedUpdates_FiltersUpdatesCreatedAfterward()
    {
        var chatId = Emulator.NewChat();
        var sent = await Bot.SendMessage(chatId, "menu");
        await Bot.GetUpdates(allowedUpdates: [UpdateType.Message]);

        Emulator.PostCallback(chatId, sent.Id, "ignored");
        Emulator.PostText(chatId, "kept");
        var updates = await Bot.GetUpdates();

        Assert.Equal([UpdateType.Message], updates.Select(update => update.Type));
        await Bot.GetUpdates(offset: updates[^1].Id + 1, allowedUpdates: []);
        var callback = Emulator.PostCallback(chatId, sent.Id, "now-allowed");
        Assert.True(callback.Queued);
        Assert.Equal(UpdateType.CallbackQuery, Assert.Single(await Bot.GetUpdates()).Type);
    }

    [Fact]
    public async Task TheClientsOwnPollingLoop_ReceivesUpdatesAndReplies()
    {
        var chatId = Emulator.NewChat();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Bot.StartReceiving(
            async (client, update, cancellationToken) =>
                await client.SendMessage(update.Message!.Chat, "echo: " + update.Message.Text, cancellationToken: cancellationToken),
            (_, _, _) => Task.CompletedTask,
            new ReceiverOptions { AllowedUpdates = [] },
            stop.Token);

        Emulator.PostText(chatId, "a");
        Emulator.PostText(chatId, "b");
        Emulator.PostText(chatId, "c");
        await Emulator.WaitUntilAsync(() => Emulator.MessagesTo(chatId).Count == 3, TimeSpan.FromSeconds(20));
        await stop.CancelAsync();

        Assert.Equal(["echo: a", "echo: b", "echo: c"], Emulator.MessagesTo(chatId).Select(message => message.Text));
        Assert.Equal(Enumerable.Range(1, 6), Emulator.MessageIdsIn(chatId));
    }

    [Fact]
    public async Task PostedUpdateJson_IsWhatTheClientDeserialises()
    {
        var chatId = Emulator.NewChat(languageCode: null);

        var posted = Emulator.PostCommand(chatId, "/start uk");
        var parsed = System.Text.Json.JsonSerializer.Deserialize<Update>(posted.Json, JsonBotAPI.Options)!;

        Assert.Equal(posted.UpdateId, parsed.Id);
        Assert.Null(parsed.Message!.From!.LanguageCode);
        var entity = Assert.Single(parsed.Message.Entities!);
        Assert.Equal(MessageEntityType.BotCommand, entity.Type);
        Assert.Equal((0, 6), (entity.Offset, entity.Length));
    }

    [Fact]
    public async Task UpdatesPostedFromManyThreads_ArriveOnce_InUpdateIdOrder()
    {
        var chats = Enumerable.Range(0, 40).Select(_ => Emulator.NewChat()).ToArray();
        var polled = new List<Update>();
        var polling = Task.Run(async () =>
        {
            int? offset = null;
            while (polled.Count < 2_000)
            {
                var updates = await Bot.GetUpdates(offset: offset, timeout: 5);
                polled.AddRange(updates);
                offset = updates.Length > 0 ? updates[^1].Id + 1 : offset;
            }
        });

        Parallel.ForEach(chats, chatId =>
        {
            for (var i = 0; i < 50; i++)
            {
                Emulator.PostText(chatId, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        });
        await polling.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2_000, polled.Select(update => update.Id).Distinct().Count());
        Assert.Equal(polled.Select(update => update.Id).Order(), polled.Select(update => update.Id));
        Assert.All(
            polled.GroupBy(update => update.Message!.Chat.Id),
            chat => Assert.Equal(Enumerable.Range(0, 50).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), chat.Select(update => update.Message!.Text)));
    }

    [Fact]
    public async Task Disposal_EndsAHeldLongPollPromptly()
    {
        var emulator = await TelegramBotApiEmulator.StartAsync();
        var client = new TelegramBotClient(new TelegramBotClientOptions(emulator.Token, baseUrl: emulator.BaseUrl), RawHttp());
        var polling = client.GetUpdates(timeout: 50);
        await emulator.WaitUntilAsync(() => emulator.IsPolling);

        var clock = Stopwatch.StartNew();
        await emulator.DisposeAsync();
        var outcome = await Record.ExceptionAsync(() => polling);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"disposal took {clock.Elapsed}");
        Assert.True(outcome is null || outcome is RequestException, outcome?.ToString());
        Assert.Empty(emulator.UnexpectedErrors);
    }
}
