using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;

namespace SafetyBot.Telegram.Emulator.Tests;

public sealed class WebhookTests : EmulatorTest
{
    protected override TelegramBotApiEmulatorOptions? Options => new()
    {
        WebhookRetryDelay = TimeSpan.FromMilliseconds(20),
        WebhookMaxRetryDelay = TimeSpan.FromMilliseconds(100),
    };

    [Fact]
    public async Task Updates_ArePostedToTheWebhook_WithTheSecretHeader()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var chatId = Emulator.NewChat();
        await Bot.SetWebhook(receiver.Url, secretToken: "s3cret_Token-1", allowedUpdates: [UpdateType.Message, UpdateType.CallbackQuery]);

        var posted = Emulator.PostText(chatId, "help");
        await Emulator.WaitUntilAsync(() => receiver.Accepted.Count == 1);

        var delivery = Assert.Single(receiver.Received);
        Assert.Equal("/telegram/webhook", delivery.Path);
        Assert.Equal("s3cret_Token-1", delivery.SecretToken);
        Assert.StartsWith("application/json", delivery.ContentType, StringComparison.Ordinal);
        var update = JsonSerializer.Deserialize<Update>(delivery.Body, JsonBotAPI.Options)!;
        Assert.Equal(posted.UpdateId, update.Id);
        Assert.Equal("help", update.Message!.Text);
        await Emulator.WaitUntilAsync(() => Emulator.PendingUpdateCount == 0);
    }

    [Fact]
    public async Task GetUpdates_WhileAWebhookIsSet_IsAConflict()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await Bot.SetWebhook(receiver.Url);

        var error = await Assert.ThrowsAsync<ApiRequestException>(() => Bot.GetUpdates());

        Assert.Equal(409, error.ErrorCode);
        Assert.Equal("Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first", error.Message);
    }

    [Fact]
    public async Task FailedDeliveries_AreRetried_InOrderPerChat()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var chatId = Emulator.NewChat();
        await Bot.SetWebhook(receiver.Url, secretToken: "abc");
        receiver.FailNext(2, 500);

        Emulator.PostText(chatId, "first");
        Emulator.PostText(chatId, "second");
        Emulator.PostText(chatId, "third");
        await Emulator.WaitUntilAsync(() => receiver.Accepted.Count == 3);

        var texts = receiver.Accepted.Select(delivery => JsonSerializer.Deserialize<Update>(delivery.Body, JsonBotAPI.Options)!.Message!.Text);
        Assert.Equal(["first", "second", "third"], texts);
        Assert.Equal(5, receiver.Received.Count);
        Assert.Equal([1, 2, 3], Emulator.WebhookDeliveries.Where(delivery => delivery.UpdateId == Emulator.WebhookDeliveries[0].UpdateId).Select(delivery => delivery.Attempt));
        var info = await Bot.GetWebhookInfo();
        Assert.Equal(receiver.Url, info.Url);
        Assert.Equal("Wrong response from the webhook: 500 Internal Server Error", info.LastErrorMessage);
    }

    [Fact]
    public async Task UnreachableWebhook_KeepsUpdatesPending_UntilDeleteWebhookHandsThemToGetUpdates()
    {
        // A bound socket that never listens: connections are refused, and no other test can take the port meanwhile.
        using var refusing = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        refusing.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var url = $"http://127.0.0.1:{((IPEndPoint)refusing.LocalEndPoint!).Port}/telegram/webhook";
        var chatId = Emulator.NewChat();
        await Bot.SetWebhook(url);

        Emulator.PostText(chatId, "are you there?");
        await Emulator.WaitUntilAsync(() => Emulator.WebhookDeliveries.Count >= 2);
        var info = await Bot.GetWebhookInfo();
        await Bot.DeleteWebhook();
        var updates = await Bot.GetUpdates();

        Assert.Equal(1, info.PendingUpdateCount);
        Assert.NotNull(info.LastErrorMessage);
        Assert.All(Emulator.WebhookDeliveries, delivery => Assert.False(delivery.Succeeded));
        Assert.Equal("are you there?", Assert.Single(updates).Message!.Text);
    }

    [Fact]
    public async Task DropPendingUpdates_DiscardsWhatWasWaiting()
    {
        var chatId = Emulator.NewChat();
        Emulator.PostText(chatId, "stale");
        await using var receiver = await WebhookReceiver.StartAsync();

        await Bot.SetWebhook(receiver.Url, dropPendingUpdates: true);
        Emulator.PostText(chatId, "fresh");
        await Emulator.WaitUntilAsync(() => receiver.Accepted.Count == 1);
        await Bot.DeleteWebhook(dropPendingUpdates: true);

        var delivered = JsonSerializer.Deserialize<Update>(Assert.Single(receiver.Received).Body, JsonBotAPI.Options)!;
        Assert.Equal("fresh", delivered.Message!.Text);
        Assert.Empty(await Bot.GetUpdates());
    }

    [Fact]
    public async Task WebhookInfo_DescribesTheWebhook()
    {
        await using var receiver = await WebhookReceiver.StartAsync();

        var before = await Bot.GetWebhookInfo();
        await Bot.SetWebhook(receiver.Url, maxConnections: 10, allowedUpdates: [UpdateType.Message]);
        var during = await Bot.GetWebhookInfo();

        Assert.Equal(string.Empty, before.Url);
        Assert.Equal(receiver.Url, during.Url);
        Assert.Equal(10, during.MaxConnections);
        Assert.Equal([UpdateType.Message], during.AllowedUpdates);
        Assert.False(during.HasCustomCertificate);
    }

    [Fact]
    public async Task WebhooksOutsideLoopback_AreRefused()
    {
        var error = await Assert.ThrowsAsync<ApiRequestException>(() => Bot.SetWebhook("https://example.org/hook"));

        Assert.Equal(400, error.ErrorCode);
        Assert.StartsWith("Bad Request: bad webhook", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManyChats_AreDeliveredConcurrently_EachInOrder()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await Bot.SetWebhook(receiver.Url);
        var chats = Enumerable.Range(0, 20).Select(_ => Emulator.NewChat()).ToArray();

        foreach (var round in Enumerable.Range(0, 5))
        {
            foreach (var chatId in chats)
            {
                Emulator.PostText(chatId, round.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        await Emulator.WaitUntilAsync(() => receiver.Accepted.Count == 100);
        var byChat = receiver.Accepted
            .Select(delivery => JsonSerializer.Deserialize<Update>(delivery.Body, JsonBotAPI.Options)!.Message!)
            .GroupBy(message => message.Chat.Id);
        Assert.All(byChat, chat => Assert.Equal(["0", "1", "2", "3", "4"], chat.Select(message => message.Text)));
    }
}
