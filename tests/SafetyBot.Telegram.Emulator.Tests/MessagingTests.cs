using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Types.Enums;
using Telegram.Bot.Types.ReplyMarkups;

namespace SafetyBot.Telegram.Emulator.Tests;

public sealed class MessagingTests : EmulatorTest
{
    [Fact]
    public async Task InlineKeyboard_CallbackRoundTrip_IsAnswered()
    {
        var chatId = Emulator.NewChat();
        var keyboard = new InlineKeyboardMarkup(
        [
            [InlineKeyboardButton.WithCallbackData("Yes", "check:yes"), InlineKeyboardButton.WithCallbackData("No", "check:no")],
            [InlineKeyboardButton.WithUrl("Help", "https://example.org/help")],
        ]);

        var sent = await Bot.SendMessage(chatId, "Is this person asking you to keep secrets?", replyMarkup: keyboard);
        var posted = Emulator.PostCallback(chatId, sent.Id, "check:yes");
        var update = Assert.Single(await Bot.GetUpdates());
        var unansweredBefore = Emulator.UnansweredCallbackQueries;
        await Bot.AnswerCallbackQuery(update.CallbackQuery!.Id, "Noted");

        Assert.Equal(chatId, sent.Chat.Id);
        Assert.True(sent.From!.IsBot);
        Assert.Equal("check:no", sent.ReplyMarkup!.InlineKeyboard.First().Last().CallbackData);
        var shown = Assert.Single(Emulator.MessagesTo(chatId));
        Assert.Equal(["Yes", "No", "Help"], shown.Buttons.Select(button => button.Text));
        Assert.Equal("https://example.org/help", shown.InlineKeyboard[1][0].Url);
        var query = update.CallbackQuery;
        Assert.Equal(posted.CallbackQueryId, query.Id);
        Assert.Equal("check:yes", query.Data);
        Assert.Equal(chatId, query.From.Id);
        Assert.Equal(sent.Id, query.Message!.Id);
        Assert.Equal("Is this person asking you to keep secrets?", query.Message.Text);
        Assert.False(string.IsNullOrEmpty(query.ChatInstance));
        Assert.Equal(query.Id, Assert.Single(unansweredBefore).Id);
        Assert.Empty(Emulator.UnansweredCallbackQueries);
        Assert.Equal("Noted", Assert.Single(Emulator.CallbackQueries).AnswerText);
    }

    [Fact]
    public async Task AnswerCallbackQuery_RejectsUnknownAndRepeatedIds()
    {
        var chatId = Emulator.NewChat();
        var sent = await Bot.SendMessage(chatId, "menu", replyMarkup: new InlineKeyboardMarkup(InlineKeyboardButton.WithCallbackData("Go", "go")));
        var queryId = Emulator.PostCallback(chatId, sent.Id, "go").CallbackQueryId!;
        await Bot.AnswerCallbackQuery(queryId);

        var repeated = await Assert.ThrowsAsync<ApiRequestException>(() => Bot.AnswerCallbackQuery(queryId));
        var unknown = await Assert.ThrowsAsync<ApiRequestException>(() => Bot.AnswerCallbackQuery("42"));

        foreach (var error in new[] { repeated, unknown })
        {
            Assert.Equal(400, error.ErrorCode);
            Assert.Equal("Bad Request: query is too old and response timeout expired or query ID is invalid", error.Message);
        }
    }

    [Fact]
    public async Task Text_Of4096Characters_IsSent_But4097IsTooLong()
    {
        var chatId = Emulator.NewChat();

        await Bot.SendMessage(chatId, new string('a', 4096));
        var error = await Assert.ThrowsAsync<ApiRequestException>(() => Bot.SendMessage(chatId, new string('a', 4097)));

        Assert.Equal(400, error.ErrorCode);
        Assert.Equal("Bad Request: message is too long", error.Message);
        Assert.Single(Emulator.MessagesTo(chatId));
    }

    [Fact]
    public async Task EmptyText_IsRejected()
    {
        var chatId = Emulator.NewChat();

        var error = await Assert.ThrowsAsync<ApiRequestException>(() => Bot.SendMessage(chatId, ""));

        Assert.Equal("Bad Request: message text is empty", error.Message);
    }

    [Fact]
    public async Task CallbackData_Of64Bytes_IsAccepted_But65IsInvalid()
    {
        var chatId = Emulator.NewChat();
        var ok = new InlineKeyboardMarkup(InlineKeyboardButton.WithCallbackData("ok", new string('x', 64)));
        var tooLong = new InlineKeyboardMarkup(InlineKeyboardButton.WithCallbackData("no", new string('x', 65)));
        // 33 Cyrillic letters are 66 bytes: the limit counts UTF-8 bytes, not characters.
        var tooManyBytes = new InlineKeyboardMarkup(InlineKeyboardButton.WithCallbackData("no", new string('ж', 33)));

        await Bot.SendMessage(chatId, "fits", replyMarkup: ok);
        var error = await Assert.ThrowsAsync<ApiRequestException>(() => Bot.SendMessage(chatId, "too long", replyMarkup: tooLong));
        var bytesError = await Assert.ThrowsAsync<ApiRequestException>(() => Bot.SendMessage(chatId, "too long", replyMarkup: tooManyBytes));

        Assert.Equal("Bad Request: BUTTON_DATA_INVALID", error.Message);
        Assert.Equal("Bad Request: BUTTON_DATA_INVALID", bytesError.Message);
        Assert.Equal(["fits"], Emulator.MessagesTo(chatId).Select(message => message.Text));
    }

    [Fact]
    public async Task MessageIds_RunInOneSequencePerChat_ForUserAndBot()
    {
        var alex = Emulator.NewChat();
        var sam = Emulator.NewChat("Sam");

        var first = Emulator.PostText(alex, "hi");
        var reply = await Bot.SendMessage(alex, "hello");
        var second = Emulator.PostText(alex, "again");
        var samsFirst = await Bot.SendMessage(sam, "welcome");

        Assert.Equal([1, 2, 3], new[] { first.MessageId!.Value, reply.Id, second.MessageId!.Value });
        Assert.Equal(1, samsFirst.Id);
        Assert.NotEqual(alex, sam);
    }

    [Fact]
    public async Task EditMessageText_ChangesTheText_AndDropsTheKeyboardUnlessResent()
    {
        var chatId = Emulator.NewChat();
        var keyboard = new InlineKeyboardMarkup(InlineKeyboardButton.WithCallbackData("Next", "next"));
        var sent = await Bot.SendMessage(chatId, "Step 1", replyMarkup: keyboard);

        var kept = await Bot.EditMessageText(chatId, sent.Id, "Step 2", replyMarkup: keyboard);
        var dropped = await Bot.EditMessageText(chatId, sent.Id, "Done");
        var unchanged = await Assert.ThrowsAsync<ApiRequestException>(() => Bot.EditMessageText(chatId, sent.Id, "Done"));

        Assert.NotNull(kept.EditDate);
        Assert.NotNull(kept.ReplyMarkup);
        Assert.Null(dropped.ReplyMarkup);
        Assert.StartsWith("Bad Request: message is not modified", unchanged.Message, StringComparison.Ordinal);
        var shown = Assert.Single(Emulator.MessagesTo(chatId));
        Assert.Equal("Done", shown.Text);
        Assert.Empty(shown.InlineKeyboard);
    }

    [Fact]
    public async Task DeleteMessage_WorksWithin48Hours_AndFailsAfter()
    {
        var chatId = Emulator.NewChat();
        var young = await Bot.SendMessage(chatId, "young");
        var old = await Bot.SendMessage(chatId, "old");
        var usersMessage = Emulator.PostText(chatId, "my secret").MessageId!.Value;

        await Bot.DeleteMessage(chatId, young.Id);
        Emulator.AdvanceClock(TimeSpan.FromHours(48));
        var error = await Assert.ThrowsAsync<ApiRequestException>(() => Bot.DeleteMessage(chatId, old.Id));
        var again = await Assert.ThrowsAsync<ApiRequestException>(() => Bot.DeleteMessage(chatId, young.Id));

        Assert.Equal(400, error.ErrorCode);
        Assert.Equal("Bad Request: message can't be deleted", error.Message);
        Assert.Equal("Bad Request: message can't be deleted", again.Message);
        Assert.Equal(["old"], Emulator.MessagesTo(chatId).Select(message => message.Text));
        Assert.Equal([young.Id], Emulator.DeletedMessages(chatId).Select(deleted => deleted.MessageId));
        Assert.Contains(usersMessage, Emulator.MessageIdsIn(chatId));
    }

    [Fact]
    public async Task DeleteMessages_RemovesTheUsersAndTheBotsMessages_SkippingMissingOnes()
    {
        var chatId = Emulator.NewChat();
        var usersMessage = Emulator.PostText(chatId, "a link I regret").MessageId!.Value;
        var reply = await Bot.SendMessage(chatId, "I can help");

        await Bot.DeleteMessages(chatId, [usersMessage, reply.Id, 999]);
        var nothingLeft = await Assert.ThrowsAsync<ApiRequestException>(() => Bot.DeleteMessages(chatId, [usersMessage]));

        Assert.Empty(Emulator.MessageIdsIn(chatId));
        Assert.Equal([(usersMessage, false), (reply.Id, true)], Emulator.DeletedMessages(chatId).Select(deleted => (deleted.MessageId, deleted.SentByBot)));
        Assert.Equal("Bad Request: message can't be deleted", nothingLeft.Message);
    }

    [Fact]
    public async Task ParseMode_Html_IsAppliedAndValidated()
    {
        var chatId = Emulator.NewChat();

        var sent = await Bot.SendMessage(chatId, "<b>Call</b> 112 &amp; stay safe", parseMode: ParseMode.Html);
        var error = await Assert.ThrowsAsync<ApiRequestException>(() => Bot.SendMessage(chatId, "age < 18", parseMode: ParseMode.Html));

        Assert.Equal("Call 112 & stay safe", sent.Text);
        Assert.StartsWith("Bad Request: can't parse entities: ", error.Message, StringComparison.Ordinal);
        var shown = Assert.Single(Emulator.MessagesTo(chatId));
        Assert.Equal("<b>Call</b> 112 &amp; stay safe", shown.SentText);
        Assert.Equal("HTML", shown.ParseMode, ignoreCase: true);
    }

    [Fact]
    public async Task ParseMode_MarkdownV2_RequiresReservedCharactersEscaped()
    {
        var chatId = Emulator.NewChat();

        var sent = await Bot.SendMessage(chatId, "*Stop\\.* You did nothing wrong\\!", parseMode: ParseMode.MarkdownV2);
        var error = await Assert.ThrowsAsync<ApiRequestException>(() => Bot.SendMessage(chatId, "You did nothing wrong.", parseMode: ParseMode.MarkdownV2));

        Assert.Equal("Stop. You did nothing wrong!", sent.Text);
        Assert.Equal("Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'", error.Message);
    }

    [Fact]
    public async Task ChatActions_AreRecordedPerChat()
    {
        var chatId = Emulator.NewChat();

        await Bot.SendChatAction(chatId, ChatAction.Typing);

        Assert.Equal("typing", Assert.Single(Emulator.ChatActions(chatId)).Action);
    }

    [Fact]
    public async Task UnknownChat_IsNotFound_AndABlockedBotIsForbidden()
    {
        var chatId = Emulator.NewChat();
        Emulator.BlockBot(chatId);

        var unknown = await Assert.ThrowsAsync<ApiRequestException>(() => Bot.SendMessage(42, "hello"));
        var blocked = await Assert.ThrowsAsync<ApiRequestException>(() => Bot.SendMessage(chatId, "hello"));

        Assert.Equal("Bad Request: chat not found", unknown.Message);
        Assert.Equal(403, blocked.ErrorCode);
        Assert.Equal("Forbidden: bot was blocked by the user", blocked.Message);
    }

    [Fact]
    public async Task ChatIdsBeyond32Bits_SurviveTheRoundTrip()
    {
        var chatId = Emulator.NewChat();

        var sent = await Bot.SendMessage(chatId, "hi");

        Assert.True(chatId > int.MaxValue);
        Assert.Equal(chatId, sent.Chat.Id);
    }

    [Fact]
    public async Task ParallelChats_AreServedWithoutErrors()
    {
        var chats = Enumerable.Range(0, 50).Select(_ => Emulator.NewChat()).ToArray();

        await Parallel.ForEachAsync(chats, async (chatId, cancellationToken) =>
        {
            for (var i = 0; i < 10; i++)
            {
                await Bot.SendMessage(chatId, $"reply {i}", cancellationToken: cancellationToken);
            }
        });

        Assert.All(chats, chatId => Assert.Equal(Enumerable.Range(1, 10), Emulator.MessagesTo(chatId).Select(message => message.MessageId)));
        Assert.Equal(500, Emulator.CallsTo("sendMessage").Count(call => call.Succeeded));
    }
}
