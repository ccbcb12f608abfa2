using System.Text;
using Microsoft.Bot.Builder;
using Microsoft.Bot.Schema;
using Microsoft.Extensions.DependencyInjection;
using SafetyBot.Core.Bot;
using SafetyBot.Core.Conversations;
using SafetyBot.Core.Transcripts;
using SafetyBot.Testing;

namespace SafetyBot.Core.Tests.Bot;

public sealed class ConversationTests
{
    private static string NewConversation() => Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Welcome_IsInUkrainian_ForAUkrainianLocale_WithSafetyNoticeAndMenu()
    {
        await using var bot = BotHarness.Create();

        var replies = await bot.SendAsync(BotHarness.ConversationStart(NewConversation(), "uk-UA"));

        // Greeting, emergency number and quick exit, then "is it safe to talk right now?" with its answers, a person and a way out.
        Assert.Equal(3, replies.Count);
        Assert.Contains("це не твоя провина", replies[0].Text, StringComparison.Ordinal);
        Assert.Contains("112", replies[1].Text, StringComparison.Ordinal);
        Assert.Equal(bot.Text("uk", "welcome.safe_now"), replies[2].Text);
        var buttons = replies[2].SuggestedActions.Actions.Select(a => a.Title).ToList();
        Assert.Equal([bot.Text("uk", "welcome.safe_yes"), bot.Text("uk", "welcome.safe_no"), "Поговорити з людиною", "Гарячі лінії", "Вийти зараз"], buttons);
    }

    [Fact]
    public async Task Welcome_UsesTheBrowserLocale_WhenTheActivityHasNone()
    {
        await using var bot = BotHarness.Create();

        var replies = await bot.SendAsync(BotHarness.ConversationStart(NewConversation(), null), clientLocale: "es-ES,es;q=0.9");

        Assert.Contains("no es tu culpa", replies[0].Text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Welcome_FallsBackToEnglish_ForAnUnsupportedLanguage()
    {
        await using var bot = BotHarness.Create();

        var replies = await bot.SendAsync(BotHarness.ConversationStart(NewConversation(), "zz-ZZ"));

        Assert.Contains("it is not your fault", replies[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FirstMessage_WithoutAConversationStart_IsWelcomed()
    {
        await using var bot = BotHarness.Create();

        var replies = await bot.SendAsync(BotHarness.Message(NewConversation(), "hello"));

        Assert.Contains("it is not your fault", replies[0].Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("removal")]
    public async Task MenuChoiceNotBuiltYet_SaysSoHonestly_AndListsHelplinesForTheCountry(string action)
    {
        await using var bot = BotHarness.Create();
        var conversation = NewConversation();
        await bot.SendAsync(BotHarness.ConversationStart(conversation, "en-GB"));

        var reply = Assert.Single(await bot.SendAsync(BotHarness.Message(conversation, null, new { action }, "en-GB")));

        Assert.Contains("still being built", reply.Text, StringComparison.Ordinal);
        Assert.Contains("999", reply.Text, StringComparison.Ordinal);
        Assert.Contains("08000 121 700", reply.Text, StringComparison.Ordinal);
        Assert.Contains("You are not alone", reply.Text, StringComparison.Ordinal);
        Assert.Contains(reply.SuggestedActions.Actions, a => a.Title == "Leave now");
    }

    [Fact]
    public async Task TalkToAPerson_NotYetAvailable_OffersHelplines()
    {
        await using var bot = BotHarness.Create();
        var conversation = NewConversation();
        await bot.SendAsync(BotHarness.ConversationStart(conversation, "uk"));

        var replies = await bot.SendAsync(BotHarness.Message(conversation, "людина", locale: "uk"));

        // Nobody on the team is online: the person is told so at once and gets the helplines of their country.
        Assert.StartsWith(bot.Text("uk", "human.unavailable"), replies[0].Text, StringComparison.Ordinal);
        Assert.Contains("527", replies[0].Text, StringComparison.Ordinal);
        Assert.Equal(bot.Text("uk", "human.leave_message"), replies[^1].Text);
    }

    [Fact]
    public async Task TypedButtonTitle_InAnyLanguage_IsUnderstood()
    {
        await using var bot = BotHarness.Create();
        var conversation = NewConversation();
        await bot.SendAsync(BotHarness.ConversationStart(conversation, "en"));

        var ask = Assert.Single(await bot.SendAsync(BotHarness.Message(conversation, "  helplines ")));
        var shown = await bot.SendAsync(BotHarness.Message(conversation, "another COUNTRY"));

        // English says nothing about the country, so it is asked; "another country" gets the numbers that work across the EU.
        Assert.Equal(bot.Text("en", "helplines.ask_country"), ask.Text);
        Assert.Contains("Helplines in the European Union", shown[0].Text, StringComparison.Ordinal);
        Assert.Contains("116 111", shown[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChosenLanguage_Sticks_OverTheChannelsHint()
    {
        await using var bot = BotHarness.Create();
        var conversation = NewConversation();
        await bot.SendAsync(BotHarness.ConversationStart(conversation, "en"));
        await bot.SendAsync(BotHarness.Message(conversation, "yes"));

        var changed = Assert.Single(await bot.SendAsync(BotHarness.Message(conversation, null, new { action = "setlanguage", argument = "uk" })));
        var next = Assert.Single(await bot.SendAsync(BotHarness.Message(conversation, "menu", locale: "en")));

        Assert.Contains("українською", changed.Text, StringComparison.Ordinal);
        Assert.Contains("Що ти хочеш зробити", next.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownInput_GetsAPoliteReply_WithTheMenu()
    {
        await using var bot = BotHarness.Create();
        var conversation = NewConversation();
        await bot.SendAsync(BotHarness.ConversationStart(conversation, "en"));
        await bot.SendAsync(BotHarness.Message(conversation, "menu"));

        var replies = new List<Activity>();
        foreach (var text in new[] { "asdfgh", new string('x', 10_000), "\u202e\u200dqwerty\u0000", string.Empty })
        {
            replies.AddRange(await bot.SendAsync(BotHarness.Message(conversation, text)));
        }

        replies.AddRange(await bot.SendAsync(BotHarness.Message(conversation, null, new { action = new string('a', 5000) })));
        Assert.Equal(5, replies.Count);
        Assert.All(replies, r => Assert.Contains("not sure I understood", r.Text, StringComparison.Ordinal));
        Assert.All(replies, r => Assert.NotEmpty(r.SuggestedActions.Actions));
    }

    [Fact]
    public async Task FilesSent_AreRefusedKindly()
    {
        await using var bot = BotHarness.Create();
        var conversation = NewConversation();
        var message = BotHarness.Message(conversation, null);
        message.Attachments = [new Attachment { ContentType = "image/jpeg" }];

        var reply = Assert.Single(await bot.SendAsync(message));

        Assert.Contains("never keep pictures", reply.Text, StringComparison.Ordinal);
        Assert.Contains("link", reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuickExit_ErasesStateAndTranscript_AndEndsWithOneNeutralLine()
    {
        await using var bot = BotHarness.Create();
        var conversation = NewConversation();
        await bot.SendAsync(BotHarness.ConversationStart(conversation, "en"));
        await bot.SendAsync(BotHarness.Message(conversation, "he wants me to keep it secret"));
        var transcripts = bot.Services.GetRequiredService<ITranscriptArchive>();
        var storage = bot.Services.GetRequiredService<IStorage>();
        var stateKey = $"test/conversations/{conversation}";
        Assert.NotEmpty(await transcripts.ReadAsync(ConversationKey.For("test", conversation), default));
        Assert.NotEmpty(await storage.ReadAsync([stateKey]));

        var replies = await bot.SendAsync(BotHarness.Message(conversation, "exit"));

        Assert.Equal(2, replies.Count);
        Assert.Equal("This conversation is closed.", replies[0].Text);
        Assert.Equal(ActivityTypes.EndOfConversation, replies[1].Type);
        Assert.Empty(await transcripts.ReadAsync(ConversationKey.For("test", conversation), default));
        Assert.Empty(await storage.ReadAsync([stateKey]));
    }

    [Fact]
    public async Task Transcript_IsEncryptedAtRest_AndReadableWithTheKey()
    {
        await using var bot = BotHarness.Create();
        var conversation = NewConversation();
        await bot.SendAsync(BotHarness.Message(conversation, "he asked who else is home"));

        var archive = (InProcessTranscriptArchive)bot.Services.GetRequiredService<ITranscriptArchive>();
        var raw = archive.RawEntries(ConversationKey.For("test", conversation));
        var entries = await archive.ReadAsync(ConversationKey.For("test", conversation), default);

        Assert.NotEmpty(raw);
        Assert.All(raw, r => Assert.DoesNotContain("else is home", Encoding.UTF8.GetString(r), StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Role == TranscriptRoles.User && e.Text == "he asked who else is home");
        Assert.Contains(entries, e => e.Role == TranscriptRoles.Bot && e.Text!.Contains("not your fault", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StorageFailure_AnswersWithEmergencyNumberAndHelplines()
    {
        await using var bot = BotHarness.Create(configure: b => b.Services.AddSingleton<IStorage, FailingStorage>());
        var conversation = NewConversation();

        var reply = Assert.Single(await bot.SendAsync(BotHarness.Message(conversation, "please help", locale: "uk-UA")));

        Assert.Contains("технічна проблема", reply.Text, StringComparison.Ordinal);
        Assert.Contains("112", reply.Text, StringComparison.Ordinal);
        Assert.Contains("527", reply.Text, StringComparison.Ordinal);
        Assert.Contains(reply.SuggestedActions.Actions, a => a.Title == "Вийти зараз");
    }

    [Fact]
    public async Task ConcurrentTurnsOfOneConversation_NeverLoseAStateUpdate()
    {
        // Storage with network-like latency, so unserialised turns would overwrite each other's state.
        await using var bot = BotHarness.Create(configure: b => b.Services.AddSingleton<IStorage>(sp =>
            new SlowStorage(ActivatorUtilities.CreateInstance<SafetyBot.Core.Storage.InProcessStorage>(sp))));
        var conversation = NewConversation();

        await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => Task.Run(() => bot.SendAsync(BotHarness.Message(conversation, "menu")))));

        var state = await bot.Services.GetRequiredService<IStorage>().ReadAsync([$"test/conversations/{conversation}"]);
        var data = (ConversationData)((IDictionary<string, object>)state.Values.Single())[nameof(ConversationData)];
        Assert.Equal(40, data.Turns);
    }

    [Fact]
    public async Task ProactiveMessage_RunsTheWholeTurnBeforeTheContextIsDisposed()
    {
        await using var bot = BotHarness.Create();
        var conversation = NewConversation();
        var reference = BotHarness.Message(conversation, "hi").GetConversationReference();

        await bot.Adapter.ContinueConversationAsync("bot", reference, async (turn, ct) =>
        {
            await Task.Delay(50, ct);
            await turn.SendActivityAsync("Someone from the hotline will write to you soon.", cancellationToken: ct);
        }, CancellationToken.None);

        Assert.Contains(bot.Adapter.Sent(conversation), a => a.Text == "Someone from the hotline will write to you soon.");
    }

    [Fact]
    public async Task TurnsStateAndHandoffEvents_NeverLoadAnAdaptiveCardsAssembly()
    {
        await using var bot = BotHarness.Create();
        var conversation = NewConversation();
        await bot.SendAsync(BotHarness.ConversationStart(conversation, "en"));
        await bot.SendAsync(BotHarness.Message(conversation, "helplines"));
        IEventActivity? handoff = null;
        await bot.Adapter.ContinueConversationAsync("bot", BotHarness.Message(conversation, "x").GetConversationReference(), (turn, ct) =>
        {
            handoff = EventFactory.CreateHandoffInitiation(turn, new { skill = "en" }, new Transcript([BotHarness.Message(conversation, "hi")]));
            _ = EventFactory.CreateHandoffStatus(turn.Activity.Conversation, "accepted");
            return Task.CompletedTask;
        }, CancellationToken.None);

        Assert.NotNull(handoff);
        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name!.StartsWith("AdaptiveCards", StringComparison.Ordinal));
    }

    private sealed class SlowStorage(IStorage inner) : IStorage
    {
        public async Task<IDictionary<string, object>> ReadAsync(string[] keys, CancellationToken cancellationToken = default)
        {
            var result = await inner.ReadAsync(keys, cancellationToken);
            await Task.Delay(5, cancellationToken);
            return result;
        }

        public async Task WriteAsync(IDictionary<string, object> changes, CancellationToken cancellationToken = default)
        {
            await Task.Delay(2, cancellationToken);
            await inner.WriteAsync(changes, cancellationToken);
        }

        public Task DeleteAsync(string[] keys, CancellationToken cancellationToken = default) => inner.DeleteAsync(keys, cancellationToken);
    }

    private sealed class FailingStorage : IStorage
    {
        public Task<IDictionary<string, object>> ReadAsync(string[] keys, CancellationToken cancellationToken = default) =>
            throw new IOException("storage is down");

        public Task WriteAsync(IDictionary<string, object> changes, CancellationToken cancellationToken = default) =>
            throw new IOException("storage is down");

        public Task DeleteAsync(string[] keys, CancellationToken cancellationToken = default) =>
            throw new IOException("storage is down");
    }
}
