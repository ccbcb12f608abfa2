using Microsoft.Bot.Builder;
using Microsoft.Bot.Schema;
using Microsoft.Extensions.DependencyInjection;
using SafetyBot.Core.Bot;
using SafetyBot.Testing;

namespace SafetyBot.Core.Tests.Bot;

/// <summary>The crisis check on everything the person writes: emergency number and helplines at once, before anything else.</summary>
public sealed class CrisisTests
{
    private static string NewConversation() => Guid.NewGuid().ToString("N");

    [Theory]
    [InlineData("en", "i don't want to live anymore, i have the pills ready", "112", "you don't have to carry this alone")]
    [InlineData("uk", "я не хочу більше жити", "112", "не треба нести це самотужки")]
    [InlineData("es", "ya no quiero vivir", "112", "no tienes que cargar con esto a solas")]
    [InlineData("ar", "لا أريد أن أعيش بعد الآن", "112", "ليس عليك حمل هذا وحدك")]
    public async Task SelfHarm_OnTheFirstMessage_GetsEmergencyNumberAndHelplines_InTheirLanguage(string locale, string text, string number, string words)
    {
        await using var bot = BotHarness.Create();
        var conversation = NewConversation();

        var replies = await bot.SendAsync(BotHarness.Message(conversation, text, locale: locale));

        var reply = Assert.Single(replies);
        Assert.Contains(words, reply.Text, StringComparison.Ordinal);
        Assert.Contains(number, reply.Text, StringComparison.Ordinal);
        var actions = reply.SuggestedActions.Actions.Select(a => (a.Value as Newtonsoft.Json.Linq.JObject)?.Value<string>("action")).ToList();
        Assert.Contains(BotActions.Human, actions); // a way to a person
        Assert.Contains(BotActions.Exit, actions); // and a way to leave

        var data = await ReadAsync(bot, conversation);
        Assert.True(data.Crisis);
        Assert.True(data.Welcomed);
    }

    [Fact]
    public async Task DangerNow_MidConversation_GetsTheDangerResponse()
    {
        await using var bot = BotHarness.Create();
        var conversation = NewConversation();
        await bot.SendAsync(BotHarness.ConversationStart(conversation, "en"));

        var replies = await bot.SendAsync(BotHarness.Message(conversation, "hes banging on the door, i locked myself in the bathroom"));

        Assert.Contains("If you are in danger right now, call 112 now", Assert.Single(replies).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EverydayWords_DoNotTriggerTheCrisisResponse()
    {
        await using var bot = BotHarness.Create();
        var conversation = NewConversation();
        await bot.SendAsync(BotHarness.ConversationStart(conversation, "en"));
        await bot.SendAsync(BotHarness.Message(conversation, "yes"));

        var replies = await bot.SendAsync(BotHarness.Message(conversation, "this exam is killing me lol, i'm dying of laughter"));

        Assert.DoesNotContain(replies, r => r.Importance == ActivityImportance.High);
        Assert.DoesNotContain(replies, r => r.Text?.Contains("you don't have to", StringComparison.Ordinal) == true);
        Assert.False((await ReadAsync(bot, conversation)).Crisis);
        // A reply that did not understand still carries the emergency number, in case the check missed a crisis.
        Assert.Contains("call 112", Assert.Single(replies).Text, StringComparison.Ordinal);
    }

    private static async Task<ConversationData> ReadAsync(BotHarness bot, string conversation)
    {
        var state = await bot.Services.GetRequiredService<IStorage>().ReadAsync([$"test/conversations/{conversation}"]);
        return (ConversationData)((IDictionary<string, object>)state.Values.Single())[nameof(ConversationData)];
    }
}
