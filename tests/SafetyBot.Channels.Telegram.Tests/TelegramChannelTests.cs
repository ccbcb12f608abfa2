using Microsoft.Extensions.DependencyInjection;
using SafetyBot.Core.Localization;
using SafetyBot.Telegram.Emulator;
using SafetyBot.Testing;

namespace SafetyBot.Channels.Telegram.Tests;

/// <summary>The real host with the real Telegram.Bot client, long polling a Telegram Bot API emulator over HTTP.</summary>
public sealed class TelegramChannelTests : IAsyncLifetime
{
    private TelegramBotApiEmulator _telegram = null!;

    public async Task InitializeAsync() => _telegram = await TelegramBotApiEmulator.StartAsync();

    public async Task DisposeAsync() => await _telegram.DisposeAsync();

    private Task<TestHost> StartHostAsync(IDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Telegram:BotToken"] = _telegram.Token,
            ["Telegram:ApiBaseUrl"] = _telegram.BaseUrl,
            ["Telegram:PollingTimeoutSeconds"] = "1",
            ["Telegram:PaceMessages"] = "false",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return TestHost.StartAsync(settings, services => services.AddSingleton(_telegram.Clock));
    }

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>A shipped text as SafetyBot writes it (the emergency number is 112 for these chats).</summary>
    private static string Text(TestHost host, string language, string key, params (string Name, string Value)[] values) =>
        host.Services.GetRequiredService<TextCatalog>().Format(language, key, [("emergency", "112"), .. values]);

    /// <summary>The chat's stored state once it satisfies the condition (state is saved just after the replies go out).</summary>
    private static async Task<IDictionary<string, object>> StateWhenAsync(TestHost host, long chat, Func<IDictionary<string, object>, bool> condition)
    {
        var storage = host.Services.GetRequiredService<Microsoft.Bot.Builder.IStorage>();
        var deadline = DateTime.UtcNow + Wait;
        IDictionary<string, object> state;
        while (!condition(state = await storage.ReadAsync([$"telegram/conversations/{chat}"])) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        return state;
    }

    [Fact]
    public async Task AWholeConversation_ThroughInlineKeyboards_InThePersonsLanguage()
    {
        await using var host = await StartHostAsync();
        var chat = _telegram.NewChat("Olena", "uk");

        _telegram.PostCommand(chat, "/start");
        var question = await _telegram.WaitForMessageAsync(chat, m => m.Text == Text(host, "uk", "welcome.safe_now"), Wait);
        var welcome = _telegram.MessagesTo(chat).Where(m => m.MessageId < question.MessageId).ToList();

        // The greeting, the emergency number with how to leave, what "leave now" can delete on Telegram, then the question.
        Assert.Equal(3, welcome.Count);
        Assert.Contains("це не твоя провина", welcome[0].Text, StringComparison.Ordinal);
        Assert.Equal(Text(host, "uk", "welcome.safety"), welcome[1].Text);
        Assert.Contains("112", welcome[1].Text, StringComparison.Ordinal);
        Assert.Contains("48 годин", welcome[2].Text, StringComparison.Ordinal);
        Assert.Equal(
            [Text(host, "uk", "welcome.safe_yes"), Text(host, "uk", "welcome.safe_no"), "Поговорити з людиною", "Гарячі лінії", "Вийти зараз"],
            question.Buttons.Select(b => b.Text));
        var safe = question.Buttons.First();
        Assert.Equal("a:answer:welcome-safe_now-yes", safe.CallbackData);

        _telegram.PostCallback(chat, question.MessageId, safe.CallbackData!);
        var menu = await _telegram.WaitForMessageAsync(chat, m => m.MessageId > question.MessageId && m.Text == Text(host, "uk", "menu.prompt"), Wait);
        Assert.Contains(menu.Buttons, b => b.Text == "Вийти зараз");
        _telegram.PostCallback(chat, menu.MessageId, menu.Buttons.Single(b => b.Text == "Гарячі лінії").CallbackData!);

        // Ukrainian suggests Ukraine: the helplines flow asks to confirm it before showing the numbers.
        var confirm = await _telegram.WaitForMessageAsync(chat, m => m.MessageId > menu.MessageId && m.Buttons.Any(b => b.CallbackData == "a:answer:helplines-confirm-yes"), Wait);
        Assert.StartsWith(Text(host, "uk", "helplines.confirm_country").Split("{place}")[0], confirm.Text, StringComparison.Ordinal);
        _telegram.PostCallback(chat, confirm.MessageId, confirm.Buttons.Single(b => b.Text == Text(host, "uk", "answer.yes")).CallbackData!);
        var reply = await _telegram.WaitForMessageAsync(chat, m => m.Text.Contains("527", StringComparison.Ordinal), Wait);
        var after = await _telegram.WaitForMessageAsync(chat, m => m.MessageId > reply.MessageId, Wait);

        Assert.StartsWith(Text(host, "uk", "helplines.intro"), reply.Text, StringComparison.Ordinal);
        Assert.Equal(Text(host, "uk", "menu.prompt"), after.Text);
        Assert.Contains(after.Buttons, b => b.Text == "Поговорити з людиною");
        Assert.All(
            new[] { question, menu, confirm, after }.SelectMany(m => m.Buttons),
            b => Assert.True(System.Text.Encoding.UTF8.GetByteCount(b.CallbackData!) <= 64));
        await _telegram.WaitUntilAsync(() => _telegram.CallbackQueries.Count == 3 && _telegram.UnansweredCallbackQueries.Count == 0, Wait);

        // The host logs at Debug here, and still neither the bot token (it is in every Bot API address) nor a word said.
        Assert.NotEmpty(host.Logs.Lines);
        Assert.DoesNotContain(_telegram.Token.Split(':')[1], host.Logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain("527", host.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StaleOrForgedButtonData_GetsAPoliteAnswer_AndNothingBreaks()
    {
        await using var host = await StartHostAsync();
        var chat = _telegram.NewChat("Sam", "en");
        _telegram.PostCommand(chat, "/start");
        var question = await _telegram.WaitForMessageAsync(chat, m => m.Buttons.Any(), Wait);

        _telegram.PostCallback(chat, question.MessageId, "zz:<script>");
        _telegram.PostCallback(chat, question.MessageId, "a:helplines");

        // The real button still works: English suggests no country, so it is asked; "Another country" gets the EU numbers.
        var ask = await _telegram.WaitForMessageAsync(chat, m => m.Text == Text(host, "en", "helplines.ask_country"), Wait);
        _telegram.PostCallback(chat, ask.MessageId, ask.Buttons.Single(b => b.Text == Text(host, "en", "helplines.other_country")).CallbackData!);
        await _telegram.WaitForMessageAsync(chat, m => m.Text.Contains("116 111", StringComparison.Ordinal), Wait);
        await _telegram.WaitUntilAsync(() => _telegram.CallbackQueries.Count == 3 && _telegram.UnansweredCallbackQueries.Count == 0, Wait);
        Assert.Contains(_telegram.CallbackQueries, q => q.Data == "zz:<script>" && q.AnswerText == "This button is no longer active.");
    }

    [Fact]
    public async Task StartDeepLink_PreselectsTheLanguage_AndItSticks()
    {
        await using var host = await StartHostAsync();
        var chat = _telegram.NewChat("Alex", "en");

        _telegram.PostCommand(chat, "/start uk");
        await _telegram.WaitForMessageAsync(chat, m => m.Text.Contains("це не твоя провина", StringComparison.Ordinal), Wait);
        var question = await _telegram.WaitForMessageAsync(chat, m => m.Text == Text(host, "uk", "welcome.safe_now"), Wait);
        _telegram.PostText(chat, "menu");

        await _telegram.WaitForMessageAsync(chat, m => m.Text == Text(host, "uk", "menu.prompt") && m.MessageId > question.MessageId, Wait);
    }

    [Fact]
    public async Task StartDeepLink_WithAPartner_IsRemembered()
    {
        await using var host = await StartHostAsync();
        var chat = _telegram.NewChat("Alex", "en");

        _telegram.PostCommand(chat, "/start p_examplehelp");
        await _telegram.WaitForMessageAsync(chat, m => m.Buttons.Any(), Wait);

        var stored = await StateWhenAsync(host, chat, s => s.Count > 0);
        var state = (IDictionary<string, object>)stored.Values.Single();
        Assert.Equal("examplehelp", ((SafetyBot.Core.Bot.ConversationData)state[nameof(SafetyBot.Core.Bot.ConversationData)]).Partner);
    }

    [Fact]
    public async Task PicturesFilesPlacesAndContacts_AreRefusedKindly_AndNeverFetched()
    {
        await using var host = await StartHostAsync();
        var chat = _telegram.NewChat("Sam", "en");

        _telegram.PostPhoto(chat, "this is me");
        _telegram.PostDocument(chat);
        _telegram.PostVoice(chat);
        _telegram.PostSticker(chat);
        _telegram.PostLocation(chat);
        _telegram.PostContact(chat);

        await _telegram.WaitUntilAsync(() => _telegram.MessagesTo(chat).Count(m => m.Text.Contains("never keep pictures", StringComparison.Ordinal)) == 6, Wait);
        Assert.False(_telegram.WasCalled("getFile"));
    }

    [Fact]
    public async Task Exit_DeletesBothSidesYoungerThan48Hours_ErasesState_AndLeavesOneNeutralLine()
    {
        await using var host = await StartHostAsync();
        var chat = _telegram.NewChat("Sam", "en");
        _telegram.PostCommand(chat, "/start");
        var question = await _telegram.WaitForMessageAsync(chat, m => m.Buttons.Any(), Wait);
        _telegram.PostCallback(chat, question.MessageId, question.Buttons.Single(b => b.Text == Text(host, "en", "welcome.safe_yes")).CallbackData!);
        await _telegram.WaitForMessageAsync(chat, m => m.Text == Text(host, "en", "menu.prompt"), Wait);
        var old = _telegram.MessageIdsIn(chat);
        _telegram.AdvanceClock(TimeSpan.FromHours(49));
        _telegram.PostText(chat, "he said to keep it secret");
        await _telegram.WaitForMessageAsync(chat, m => m.Text.Contains("not sure I understood", StringComparison.Ordinal), Wait);

        _telegram.PostCommand(chat, "/exit");
        await _telegram.WaitForMessageAsync(chat, m => m.Text == "This conversation is closed.", Wait);
        await _telegram.WaitUntilAsync(() => _telegram.DeletedMessages(chat).Count >= 3, Wait);

        var remaining = _telegram.MessagesTo(chat);
        Assert.Contains(remaining, m => m.Text == "This conversation is closed.");
        Assert.DoesNotContain(remaining, m => m.Text.Contains("not sure I understood", StringComparison.Ordinal));
        Assert.All(old, id => Assert.DoesNotContain(_telegram.DeletedMessages(chat), d => d.MessageId == id));
        Assert.Empty(await StateWhenAsync(host, chat, s => s.Count == 0));
    }

    [Fact]
    public async Task A429Storm_IsRiddenOut_HonouringRetryAfter_AndThePersonIsAnswered()
    {
        await using var host = await StartHostAsync();
        var chat = _telegram.NewChat("Sam", "en");
        _telegram.FailNext("sendMessage", 2, 429, retryAfterSeconds: 1);

        _telegram.PostText(chat, "helplines");
        var started = DateTime.UtcNow;
        await _telegram.WaitForMessageAsync(chat, m => m.Text == Text(host, "en", "helplines.ask_country"), Wait);
        var answered = DateTime.UtcNow - started;
        _telegram.PostText(chat, Text(host, "en", "helplines.other_country"));
        await _telegram.WaitForMessageAsync(chat, m => m.Text.Contains("116 111", StringComparison.Ordinal), Wait);

        Assert.True(answered >= TimeSpan.FromSeconds(1.8), "retry_after was not honoured");
        Assert.Equal(2, _telegram.CallsTo("sendMessage").Count(c => c.StatusCode == 429));
    }

    [Fact]
    public async Task ACrisisReply_JumpsTheOutboundQueue_WhileOthersWaitForThePacer()
    {
        // 16 people start at once and one writes in crisis, all in one batch. At 6 messages a second overall
        // (one of them kept for urgent replies) the 64 ordinary messages (4 welcome messages each on Telegram:
        // greeting, emergency number, the 48-hour note, "is it safe to talk?") take about 13 seconds.
        var others = Enumerable.Range(0, 16).Select(i => _telegram.NewChat($"P{i}", "en")).ToList();
        var person = _telegram.NewChat("Kim", "en");
        foreach (var chat in others)
        {
            _telegram.PostCommand(chat, "/start");
        }

        _telegram.PostText(person, "i don't want to live anymore");
        await using var host = await StartHostAsync(new Dictionary<string, string?>
        {
            ["Telegram:PaceMessages"] = "true",
            ["Telegram:MessagesPerSecond"] = "6",
        });

        var crisis = await _telegram.WaitForMessageAsync(person, m => m.Text.Contains("call 112", StringComparison.Ordinal), Wait);
        var ordinaryBefore = others.Sum(c => _telegram.MessagesTo(c).Count);

        Assert.Contains("you don't have to carry this alone", crisis.Text, StringComparison.Ordinal);
        Assert.True(ordinaryBefore <= 14, $"{ordinaryBefore} of 64 ordinary messages went out before the crisis reply"); // in order it would be about 19
        var question = Text(host, "en", "welcome.safe_now");
        await _telegram.WaitUntilAsync(() => others.All(c => _telegram.MessagesTo(c) is { Count: 4 } m && m[^1].Text == question), Wait); // and nobody is dropped
    }

    [Fact]
    public async Task CommandMenus_ArePublishedInEveryLanguage()
    {
        await using var host = await StartHostAsync();

        await _telegram.WaitUntilAsync(() => _telegram.Commands("uk").Count == 5, Wait);

        Assert.Equal(["start", "help", "human", "language", "exit"], _telegram.Commands().Select(c => c.Command));
        Assert.Contains(_telegram.Commands("uk"), c => c.Command == "human" && c.Description == "Поговорити з людиною");
    }

    [Fact]
    public async Task ARestartInTheMiddleOfABatch_LosesNothing_AndAnswersNothingTwice()
    {
        var redis = new Dictionary<string, string?>
        {
            ["Redis:Configuration"] = await SharedRedis.ConfigurationAsync(),
            ["Redis:KeyPrefix"] = SharedRedis.NewPrefix(),
        };
        var chats = Enumerable.Range(0, 6).Select(i => _telegram.NewChat("User" + i, "en")).ToList();
        foreach (var chat in chats)
        {
            _telegram.PostText(chat, "helplines");
        }

        _telegram.Delay("sendMessage", TimeSpan.FromMilliseconds(300));
        var first = await StartHostAsync(redis);
        await _telegram.WaitUntilAsync(() => _telegram.CallsTo("sendMessage").Count(c => c.Succeeded) >= 3, Wait);
        await first.DisposeAsync();
        _telegram.Delay("sendMessage", TimeSpan.Zero);

        await using var second = await StartHostAsync(redis);
        var ask = Text(second, "en", "helplines.ask_country");
        await _telegram.WaitUntilAsync(() => chats.All(c => _telegram.MessagesTo(c).Any(m => m.Text == ask)), Wait);

        // The question each person is answering survived the restart: their answer goes on from it.
        foreach (var chat in chats)
        {
            _telegram.PostText(chat, Text(second, "en", "helplines.other_country"));
        }

        await _telegram.WaitUntilAsync(() => chats.All(c => _telegram.MessagesTo(c).Any(m => m.Text.Contains("116 111", StringComparison.Ordinal))), Wait);
        await Task.Delay(1500);

        foreach (var chat in chats)
        {
            // Each person got each reply exactly once, although the first host stopped mid-batch.
            Assert.Equal(1, _telegram.MessagesTo(chat).Count(m => m.Text == ask));
            Assert.Equal(1, _telegram.MessagesTo(chat).Count(m => m.Text.Contains("116 111", StringComparison.Ordinal)));
        }
    }
}
