using System.Text;
using Microsoft.Bot.Builder;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json;
using SafetyBot.Core.Bot;
using SafetyBot.Core.Storage;
using SafetyBot.Testing;

namespace SafetyBot.Core.Tests.Dialogs;

/// <summary>Flow state lives in conversation state: it survives a restart, moves between hosts, and outlives a changed flow safely.</summary>
public sealed class DialogStateTests
{
    private static string NewConversation() => Guid.NewGuid().ToString("N");

    private static BotHarness Host(IStorage shared, string? contentRoot = null) =>
        BotHarness.Create(
            contentRoot is null ? null : new Dictionary<string, string?> { ["Content:Root"] = contentRoot },
            b => b.Services.AddSingleton(shared));

    private static async Task<string> StartSelfCheckAsync(BotHarness bot)
    {
        var conversation = NewConversation();
        await bot.SendAsync(BotHarness.ConversationStart(conversation, "en"));
        await bot.SendAsync(BotHarness.Message(conversation, "yes"));
        await bot.SendAsync(BotHarness.Message(conversation, null, new { action = "selfcheck" }));
        return conversation;
    }

    [Fact]
    public async Task AFlow_ContinuesOnAnotherHost_WhereTheFirstLeftOff()
    {
        var storage = new InProcessStorage(Microsoft.Extensions.Options.Options.Create(new RetentionOptions()), TimeProvider.System);
        string conversation;
        await using (var first = Host(storage))
        {
            conversation = await StartSelfCheckAsync(first);
            var next = await first.SendAsync(BotHarness.Message(conversation, "yes"));
            Assert.Equal(first.Text("en", "selfcheck.q.isolation"), next[^1].Text);
        }

        await using var second = Host(storage);
        var replies = await second.SendAsync(BotHarness.Message(conversation, "no"));

        Assert.Equal(second.Text("en", "selfcheck.q.flattery"), Assert.Single(replies).Text);
    }

    [Fact]
    public async Task AFlowThatChanged_SinceTheConversationEnteredIt_RestartsWithAnExplanation_KeepingTheAnswers()
    {
        var storage = new InProcessStorage(Microsoft.Extensions.Options.Options.Create(new RetentionOptions()), TimeProvider.System);
        string conversation;
        await using (var before = Host(storage))
        {
            conversation = await StartSelfCheckAsync(before);
            await before.SendAsync(BotHarness.Message(conversation, "yes"));
        }

        using var changed = ContentCopy.Create();
        changed.Edit("dialogs/flows/selfcheck.json", json => json["version"] = 2);
        await using var after = Host(storage, changed.Path);

        var replies = await after.SendAsync(BotHarness.Message(conversation, "no"));

        Assert.Equal(
            [after.Text("en", "dialog.updated"), after.Text("en", "selfcheck.intro"), after.Text("en", "selfcheck.q.secrecy")],
            replies.Select(r => r.Text));
        var data = await ReadAsync(after, conversation);
        Assert.Equal(2, data.Dialog[^1].Version);
        Assert.Equal("yes", data.Dialog[^1].Values["secrecy"]);
    }

    [Fact]
    public async Task AStepRenamedInAFlow_WithoutANewVersion_AlsoRestartsSafely()
    {
        var storage = new InProcessStorage(Microsoft.Extensions.Options.Options.Create(new RetentionOptions()), TimeProvider.System);
        string conversation;
        await using (var before = Host(storage))
        {
            conversation = await StartSelfCheckAsync(before);
        }

        using var changed = ContentCopy.Create();
        changed.Edit("dialogs/flows/selfcheck.json", json =>
        {
            // The question the conversation waits at is renamed: its step no longer exists.
            var nodes = json["nodes"]!.AsObject();
            var question = nodes["secrecy"]!.DeepClone();
            nodes.Remove("secrecy");
            nodes["secret_kept"] = question;
            nodes["intro"]!["next"] = "secret_kept";
        });
        await using var after = Host(storage, changed.Path);

        var replies = await after.SendAsync(BotHarness.Message(conversation, "yes"));

        Assert.Equal(
            [after.Text("en", "dialog.updated"), after.Text("en", "selfcheck.intro"), after.Text("en", "selfcheck.q.secrecy")],
            replies.Select(r => r.Text));
    }

    [Fact]
    public async Task ACheckedMessage_IsNeverStored_OnlyTheCategoriesFound()
    {
        var storage = new InProcessStorage(Microsoft.Extensions.Options.Options.Create(new RetentionOptions()), TimeProvider.System);
        await using var bot = Host(storage);
        var conversation = NewConversation();
        await bot.SendAsync(BotHarness.ConversationStart(conversation, "en"));
        await bot.SendAsync(BotHarness.Message(conversation, "yes"));
        await bot.SendAsync(BotHarness.Message(conversation, null, new { action = "checkmessage" }));

        // Someone else's words, threats included: explained, not treated as the person's own crisis.
        var replies = await bot.SendAsync(BotHarness.Message(conversation, "Don't tell your parents. Send me a pic or I'll kill you, canary-7731"));

        Assert.StartsWith(bot.Text("en", "checkmessage.found"), replies[0].Text, StringComparison.Ordinal);
        Assert.DoesNotContain(replies, r => r.Text?.StartsWith(bot.Text("en", "crisis.danger")[..20], StringComparison.Ordinal) == true);
        await bot.SendAsync(BotHarness.Message(conversation, null, new { action = "answer", argument = "checkmessage-next_step-menu" }));

        var data = await ReadAsync(bot, conversation);
        var state = JsonConvert.SerializeObject(data);
        Assert.DoesNotContain("canary-7731", state, StringComparison.Ordinal);
        Assert.DoesNotContain("Send me a pic", state, StringComparison.Ordinal);
        Assert.Contains("secrecy", data.Results["checkmessage"]["signals"], StringComparison.Ordinal);
        Assert.False(data.Crisis);
    }

    [Fact]
    public async Task ForgedOrStaleAnswerButtons_GetAPoliteReply_AndTheQuestionAgain()
    {
        await using var bot = BotHarness.Create();
        var conversation = await StartSelfCheckAsync(bot);

        foreach (var argument in new[] { "selfcheck-isolation-yes", "selfcheck-secrecy-maybe", "x", new string('-', 500), "welcome-safe_now-yes" })
        {
            var replies = await bot.SendAsync(BotHarness.Message(conversation, null, new { action = "answer", argument }));

            Assert.Equal(bot.Text("en", "selfcheck.q.secrecy"), replies[^1].Text);
            Assert.Contains(replies[^1].SuggestedActions.Actions, a => a.Title == bot.Text("en", "menu.exit"));
        }

        var data = await ReadAsync(bot, conversation);
        Assert.Equal("secrecy", data.Dialog[^1].Node);
        Assert.Empty(data.Dialog[^1].Values);
    }

    [Fact]
    public async Task APictureSent_InTheMiddleOfAFlow_IsRefusedKindly_AndTheQuestionAskedAgain()
    {
        await using var bot = BotHarness.Create();
        var conversation = await StartSelfCheckAsync(bot);
        var picture = BotHarness.Message(conversation, null);
        picture.Attachments = [new Microsoft.Bot.Schema.Attachment { ContentType = "image/jpeg", ContentUrl = "https://example.com/x.jpg" }];

        var replies = await bot.SendAsync(picture);

        Assert.Equal([bot.Text("en", "media.not_stored"), bot.Text("en", "selfcheck.q.secrecy")], replies.Select(r => r.Text));
    }

    [Theory]
    [InlineData("Привіт, мені потрібна допомога з одним хлопцем з інтернету", "uk")]
    [InlineData("Привет, мне нужна помощь с одним парнем из интернета", "ru")]
    [InlineData("Cześć, potrzebuję pomocy z jednym chłopakiem z internetu", "pl")]
    [InlineData("Hola, necesito ayuda con un chico que conocí por internet", "es")]
    public async Task WithoutAnyLocale_TheFirstMessagesWords_ChooseTheLanguage(string text, string language)
    {
        await using var bot = BotHarness.Create();
        var conversation = NewConversation();

        var replies = await bot.SendAsync(BotHarness.Message(conversation, text, locale: null));

        Assert.Equal(bot.Text(language, "welcome.greeting"), replies[0].Text);
        Assert.Equal(language, (await ReadAsync(bot, conversation)).Language);
    }

    [Fact]
    public async Task TheChannelsLocale_WinsOverTheFirstMessagesWords()
    {
        await using var bot = BotHarness.Create();
        var conversation = NewConversation();

        var replies = await bot.SendAsync(BotHarness.Message(conversation, "Привет, мне нужна помощь с одним парнем", locale: "uk-UA"));

        Assert.Equal(bot.Text("uk", "welcome.greeting"), replies[0].Text);
    }

    private static async Task<ConversationData> ReadAsync(BotHarness bot, string conversation)
    {
        var state = await bot.Services.GetRequiredService<IStorage>().ReadAsync([$"test/conversations/{conversation}"]);
        return (ConversationData)((IDictionary<string, object>)state.Values.Single())[nameof(ConversationData)];
    }
}
