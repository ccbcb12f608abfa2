using Microsoft.Extensions.DependencyInjection;
using SafetyBot.Core.Handoff;
using SafetyBot.Core.Localization;
using SafetyBot.Core.Transcripts;
using SafetyBot.Telegram.Emulator;
using SafetyBot.Testing;

namespace SafetyBot.Channels.Telegram.Tests;

/// <summary>Talking to a person on Telegram: the hotline's words and "typing…" reach the chat through the Bot API.</summary>
public sealed class TelegramHandoffTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private TelegramBotApiEmulator _telegram = null!;

    public async Task InitializeAsync() => _telegram = await TelegramBotApiEmulator.StartAsync();

    public async Task DisposeAsync() => await _telegram.DisposeAsync();

    [Fact]
    public async Task AStaffMember_TakesATelegramChat_TypesAndWrites_AndHandsItBackToTheBot()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Telegram:BotToken"] = _telegram.Token,
            ["Telegram:ApiBaseUrl"] = _telegram.BaseUrl,
            ["Telegram:PollingTimeoutSeconds"] = "1",
            ["Telegram:PaceMessages"] = "false",
        }, services => services.AddSingleton(_telegram.Clock));
        var catalog = host.Services.GetRequiredService<TextCatalog>();
        string T(string key) => catalog.Get("uk", key).Split('{')[0];
        var desk = host.Services.GetRequiredService<HotlineDesk>();
        await host.Services.GetRequiredService<IWaitingRoom>().SetPresenceAsync("amira", online: true, TimeSpan.FromMinutes(5));
        var chat = _telegram.NewChat("Olena", "uk");

        _telegram.PostCommand(chat, "/start");
        var question = await _telegram.WaitForMessageAsync(chat, m => m.Text == catalog.Get("uk", "welcome.safe_now"), Wait);
        _telegram.PostCallback(chat, question.MessageId, question.Buttons.Single(b => b.Text == catalog.Get("uk", "menu.human")).CallbackData!);
        var queued = await _telegram.WaitForMessageAsync(chat, m => m.Text.StartsWith(T("human.queued"), StringComparison.Ordinal), Wait);
        Assert.Contains(queued.Buttons, b => b.Text == catalog.Get("uk", "human.cancel"));

        var entry = Assert.Single(await desk.QueueAsync()).Entry;
        Assert.Equal(("telegram", "uk"), (entry.Channel, entry.Language));
        Assert.Equal(ClaimOutcome.Won, (await desk.ClaimAsync(entry.Conversation, "amira")).Outcome);
        await _telegram.WaitForMessageAsync(chat, m => m.Text.StartsWith(T("human.joined"), StringComparison.Ordinal), Wait);

        Assert.Equal(DeskOutcome.Done, await desk.TypingAsync(entry.Conversation, "amira"));
        await _telegram.WaitUntilAsync(() => _telegram.ChatActions(chat).Any(a => a.Action == "typing"), Wait);
        Assert.Equal(DeskOutcome.Done, await desk.SendAsync(entry.Conversation, "amira", "Привіт, я з гарячої лінії. <b>Я тут.</b>"));
        var fromStaff = await _telegram.WaitForMessageAsync(chat, m => m.Text.StartsWith("Привіт, я з гарячої лінії", StringComparison.Ordinal), Wait);
        Assert.Equal("Привіт, я з гарячої лінії. <b>Я тут.</b>", fromStaff.Text);

        // The person answers: it is kept for the staff member, and the bot says nothing.
        var before = _telegram.MessagesTo(chat).Count;
        _telegram.PostText(chat, "він погрожує виставити мої фото");
        var transcripts = host.Services.GetRequiredService<ITranscriptArchive>();
        await _telegram.WaitUntilAsync(() => transcripts.ReadAsync(new Core.Conversations.ConversationKey(entry.Conversation), default).Result
            .Any(e => e.Text == "він погрожує виставити мої фото"), Wait);
        Assert.Equal(before, _telegram.MessagesTo(chat).Count);

        Assert.Equal(DeskOutcome.Done, await desk.CloseAsync(entry.Conversation, "amira", "advice-given"));
        var closed = await _telegram.WaitForMessageAsync(chat, m => m.Text.StartsWith(T("human.closed"), StringComparison.Ordinal), Wait);
        Assert.Contains(closed.Buttons, b => b.Text == catalog.Get("uk", "menu.selfcheck"));
        Assert.Empty(_telegram.UnexpectedErrors);
    }
}
