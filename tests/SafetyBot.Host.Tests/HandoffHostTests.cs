using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using SafetyBot.Core.Conversations;
using SafetyBot.Core.Handoff;
using SafetyBot.Core.Localization;
using SafetyBot.Core.Transcripts;
using SafetyBot.Testing;

namespace SafetyBot.Host.Tests;

/// <summary>
/// A person on host A, a staff member working on host B, one Redis: waiting, being taken, talking both ways and
/// being handed back to the bot, with the state, transcript and waiting room shared.
/// </summary>
public sealed class HandoffHostTests
{
    private static async Task<Dictionary<string, string?>> SettingsAsync() => new()
    {
        ["Redis:Configuration"] = await SharedRedis.ConfigurationAsync(),
        ["Redis:KeyPrefix"] = SharedRedis.NewPrefix(),
        ["DirectLine:TokenSigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        ["Transcripts:EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
    };

    [Fact]
    public async Task APersonOnHostA_AndAStaffMemberOnHostB_TalkBothWays_ThenThePersonIsBackWithTheBot()
    {
        var settings = await SettingsAsync();
        await using var hostA = await TestHost.StartAsync(settings);
        await using var hostB = await TestHost.StartAsync(settings);
        var catalog = hostA.Services.GetRequiredService<TextCatalog>();
        string T(string key) => catalog.Get("en", key).Split('{')[0];
        var desk = hostB.Services.GetRequiredService<HotlineDesk>();
        await hostB.Services.GetRequiredService<IWaitingRoom>().SetPresenceAsync("amira", online: true, TimeSpan.FromMinutes(5));

        await using var person = await DirectLineTestClient.StartAsync(hostA.BaseUrl, "en");
        await person.NextBotMessageAsync(m => DirectLineTestClient.TextOf(m).StartsWith(T("welcome.safe_now"), StringComparison.Ordinal));
        await person.SayAsync("yes");
        await person.NextBotMessageAsync(m => DirectLineTestClient.TextOf(m) == T("menu.prompt"));
        await person.SayAsync(null, new { action = "human" });
        var queued = await person.NextBotMessageAsync();
        Assert.StartsWith(T("human.queued"), DirectLineTestClient.TextOf(queued), StringComparison.Ordinal);
        Assert.EndsWith(catalog.FormatPlural("en", "human.estimate", 10), DirectLineTestClient.TextOf(queued), StringComparison.Ordinal); // one person ahead of nobody, one staff member online

        // Host B sees the person waiting, with language and channel, and takes the conversation.
        var waiting = Assert.Single(await desk.QueueAsync(), s => s.Entry.ConversationId == person.ConversationId);
        Assert.Equal(("en", "directline", WaitingStates.Waiting, 1), (waiting.Entry.Language, waiting.Entry.Channel, waiting.State, waiting.Position ?? 0));
        Assert.Equal(ClaimOutcome.Won, (await desk.ClaimAsync(waiting.Entry.Conversation, "amira")).Outcome);
        Assert.Equal(ClaimOutcome.TakenByOther, (await desk.ClaimAsync(waiting.Entry.Conversation, "boris")).Outcome);
        await person.NextBotMessageAsync(m => DirectLineTestClient.TextOf(m).StartsWith(T("human.joined"), StringComparison.Ordinal));

        // Both ways: the staff member's words reach the person as plain text; the person's reach the transcript, and the bot stays quiet.
        Assert.Equal(DeskOutcome.Done, await desk.SendAsync(waiting.Entry.Conversation, "amira", "Hi, I'm here with you. <b>Take your time.</b>"));
        var fromStaff = await person.NextBotMessageAsync();
        Assert.Equal("Hi, I'm here with you. <b>Take your time.</b>", DirectLineTestClient.TextOf(fromStaff));
        Assert.Equal("plain", (string?)fromStaff["textFormat"]);
        Assert.Equal("staff", (string?)fromStaff["channelData"]?["sender"]); // the web chat shows a person wrote it
        Assert.Equal(DeskOutcome.NotYours, await desk.SendAsync(waiting.Entry.Conversation, "boris", "hello"));

        var said = await person.SayAsync("he said he would post my photos tonight");
        var transcript = hostB.Services.GetRequiredService<ITranscriptArchive>();
        var key = new ConversationKey(waiting.Entry.Conversation);
        await WaitForAsync(async () => (await transcript.ReadAsync(key, default)).Any(e => e.Text == "he said he would post my photos tonight"));
        var entries = await transcript.ReadAsync(key, default);
        Assert.Contains(entries, e => e.Role == TranscriptRoles.Staff && e.Text!.StartsWith("Hi, I'm here", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Role == TranscriptRoles.Bot && e.Text!.StartsWith(T("welcome.greeting"), StringComparison.Ordinal));
        await Task.Delay(300);
        Assert.DoesNotContain(person.All, a => (string?)a["replyToId"] == said);

        // Closing hands the person back to the bot, with its menu.
        Assert.Equal(DeskOutcome.Done, await desk.CloseAsync(waiting.Entry.Conversation, "amira", "advice-given"));
        var closed = await person.NextBotMessageAsync(m => DirectLineTestClient.TextOf(m).StartsWith(T("human.closed"), StringComparison.Ordinal));
        Assert.Contains(catalog.Get("en", "menu.selfcheck"), DirectLineTestClient.ButtonsOf(closed));
        Assert.DoesNotContain(await desk.QueueAsync(), s => s.Entry.ConversationId == person.ConversationId);
        await person.SayAsync("menu");
        await person.NextBotMessageAsync(m => DirectLineTestClient.TextOf(m) == T("menu.prompt"));
    }

    [Fact]
    public async Task LeavingWhileWaiting_TakesThePersonOutOfTheWaitingRoom()
    {
        var settings = await SettingsAsync();
        await using var host = await TestHost.StartAsync(settings);
        var room = host.Services.GetRequiredService<IWaitingRoom>();
        await room.SetPresenceAsync("amira", online: true, TimeSpan.FromMinutes(5));
        await using var person = await DirectLineTestClient.StartAsync(host.BaseUrl, "en");
        await person.NextBotMessageAsync(m => DirectLineTestClient.ButtonsOf(m).Count > 0);
        await person.SayAsync(null, new { action = "human" });
        await person.NextBotMessageAsync();
        Assert.Contains(await room.ListAsync(), s => s.Entry.ConversationId == person.ConversationId);

        await person.SayAsync("exit");
        await person.NextBotMessageAsync();

        Assert.DoesNotContain(await room.ListAsync(), s => s.Entry.ConversationId == person.ConversationId);
    }

    [Fact]
    public async Task PeopleInLine_AreToldTheirNewPlace_AndAnAbandonedClaimPutsThePersonBackInLine()
    {
        var settings = await SettingsAsync();
        settings["Handoff:ClaimLease"] = "00:00:01";
        await using var host = await TestHost.StartAsync(settings);
        var catalog = host.Services.GetRequiredService<TextCatalog>();
        string T(string key) => catalog.Get("en", key).Split('{')[0];
        var room = host.Services.GetRequiredService<IWaitingRoom>();
        var desk = host.Services.GetRequiredService<HotlineDesk>();
        await room.SetPresenceAsync("amira", online: true, TimeSpan.FromMinutes(5));
        await using var first = await DirectLineTestClient.StartAsync(host.BaseUrl, "en");
        await using var second = await DirectLineTestClient.StartAsync(host.BaseUrl, "en");
        foreach (var person in new[] { first, second })
        {
            await person.NextBotMessageAsync(m => DirectLineTestClient.ButtonsOf(m).Count > 0);
            await person.SayAsync(null, new { action = "human" });
            await person.NextBotMessageAsync(m => DirectLineTestClient.TextOf(m).StartsWith(T("human.queued"), StringComparison.Ordinal));
        }

        var firstEntry = Assert.Single(await room.ListAsync(), s => s.Entry.ConversationId == first.ConversationId).Entry.Conversation;
        await desk.ClaimAsync(firstEntry, "amira");

        // The second person moves up to first place and is told; the first is taken.
        var moved = await second.NextBotMessageAsync(m => DirectLineTestClient.TextOf(m).StartsWith(T("human.position"), StringComparison.Ordinal));
        Assert.Contains(" 1 ", DirectLineTestClient.TextOf(moved), StringComparison.Ordinal);
        await first.NextBotMessageAsync(m => DirectLineTestClient.TextOf(m).StartsWith(T("human.joined"), StringComparison.Ordinal));

        // Nobody renews the claim (the staff member's console is gone): after the lease the first person is back in line, at the front.
        var back = await first.NextBotMessageAsync(m => DirectLineTestClient.TextOf(m).StartsWith(T("human.requeued"), StringComparison.Ordinal), TimeSpan.FromSeconds(20));
        Assert.Contains(" 1", DirectLineTestClient.TextOf(back), StringComparison.Ordinal);
        Assert.Contains(catalog.Get("en", "human.cancel"), DirectLineTestClient.ButtonsOf(back));
        var status = await room.FindAsync(firstEntry);
        Assert.Equal((WaitingStates.Waiting, 1), (status!.State, status.Position ?? 0));
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (!await condition())
        {
            await Task.Delay(50, timeout.Token);
        }
    }
}
