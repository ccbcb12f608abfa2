using System.Diagnostics;
using Telegram.Bot;
using Telegram.Bot.Exceptions;

namespace SafetyBot.Telegram.Emulator.Tests;

public sealed class FaultTests : EmulatorTest
{
    [Fact]
    public async Task TooManyRequests_WithinTheRetryThreshold_IsRetriedByTheClientItself()
    {
        var chatId = Emulator.NewChat();
        Emulator.FailNext("sendMessage", 1, 429, retryAfterSeconds: 1);
        var clock = Stopwatch.StartNew();

        var sent = await Bot.SendMessage(chatId, "after the flood");

        Assert.Equal("after the flood", sent.Text);
        Assert.Equal([429, 200], Emulator.CallsTo("sendMessage").Select(call => call.StatusCode));
        Assert.Equal("Too Many Requests: retry after 1", Emulator.CallsTo("sendMessage")[0].ErrorDescription);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), $"retried after {clock.Elapsed}");
        Assert.Single(Emulator.MessagesTo(chatId));
    }

    [Fact]
    public async Task TooManyRequests_AboveTheRetryThreshold_SurfacesRetryAfter()
    {
        var chatId = Emulator.NewChat();
        Emulator.FailNext("sendMessage", 1, 429, retryAfterSeconds: 61);

        var error = await Assert.ThrowsAsync<ApiRequestException>(() => Bot.SendMessage(chatId, "flood"));

        Assert.Equal(429, error.ErrorCode);
        Assert.Equal("Too Many Requests: retry after 61", error.Message);
        Assert.Equal(61, error.Parameters!.RetryAfter);
        Assert.Single(Emulator.CallsTo("sendMessage"));
        Assert.Empty(Emulator.MessagesTo(chatId));
    }

    [Fact]
    public async Task TooManyRequests_WithRetriesOff_SurfacesAtOnce()
    {
        var chatId = Emulator.NewChat();
        var noRetries = CreateClient(configure: options => options.RetryThreshold = 0);
        Emulator.FailNext("sendMessage", 1, 429, retryAfterSeconds: 1);

        var error = await Assert.ThrowsAsync<ApiRequestException>(() => noRetries.SendMessage(chatId, "flood"));

        Assert.Equal(1, error.Parameters!.RetryAfter);
    }

    [Fact]
    public async Task TooManyRequests_MoreOftenThanRetryCount_SurfacesAfterRetryCountAttempts()
    {
        var chatId = Emulator.NewChat();
        var client = CreateClient(configure: options => options.RetryCount = 3);
        Emulator.FailNext("sendMessage", 5, 429, retryAfterSeconds: 0);

        var error = await Assert.ThrowsAsync<ApiRequestException>(() => client.SendMessage(chatId, "flood"));

        Assert.Equal(429, error.ErrorCode);
        Assert.Equal(3, Emulator.CallsTo("sendMessage").Count);
    }

    [Fact]
    public async Task ServerErrors_CarryTheirStatusToTheClient()
    {
        Emulator.FailNext("getMe", 1, 502);

        var error = await Assert.ThrowsAsync<ApiRequestException>(() => Bot.GetMe());
        var me = await Bot.GetMe();

        Assert.Equal(502, error.ErrorCode);
        Assert.Equal("Bad Gateway", error.Message);
        Assert.Equal([502, 200], Emulator.CallsTo("getMe").Select(call => call.StatusCode));
        Assert.Equal(123456, me.Id);
    }

    [Fact]
    public async Task Delay_SlowsTheAnswer()
    {
        Emulator.Delay("getMe", TimeSpan.FromMilliseconds(500));
        var clock = Stopwatch.StartNew();

        await Bot.GetMe();

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(450), $"answered after {clock.Elapsed}");
        Emulator.Delay("getMe", TimeSpan.Zero);
    }

    [Fact]
    public async Task EnforcedLimits_RejectASecondMessageToTheSameChatWithinASecond()
    {
        var chatId = Emulator.NewChat();
        var otherChat = Emulator.NewChat();
        var noRetries = CreateClient(configure: options => options.RetryThreshold = 0);
        Emulator.EnforceLimits(perChatPerSecond: 1, globalPerSecond: 30);

        await noRetries.SendMessage(chatId, "first");
        var error = await Assert.ThrowsAsync<ApiRequestException>(() => noRetries.SendMessage(chatId, "second"));
        await noRetries.SendMessage(otherChat, "another chat is fine");

        Assert.Equal(429, error.ErrorCode);
        Assert.Equal(1, error.Parameters!.RetryAfter);
        Assert.Equal("Too Many Requests: retry after 1", error.Message);
    }

    [Fact]
    public async Task EnforcedLimits_RetriedByTheClient_GetThrough()
    {
        var chatId = Emulator.NewChat();
        Emulator.EnforceLimits();

        await Bot.SendMessage(chatId, "first");
        await Bot.SendMessage(chatId, "second");

        Assert.Equal(["first", "second"], Emulator.MessagesTo(chatId).Select(message => message.Text));
        Assert.Contains(Emulator.CallsTo("sendMessage"), call => call.StatusCode == 429);
    }

    [Fact]
    public async Task EnforcedLimits_CapTheGlobalRate()
    {
        var noRetries = CreateClient(configure: options => options.RetryThreshold = 0);
        var chats = Enumerable.Range(0, 4).Select(_ => Emulator.NewChat()).ToArray();
        Emulator.EnforceLimits(perChatPerSecond: 1, globalPerSecond: 3);

        var results = new List<int>();
        foreach (var chatId in chats)
        {
            try
            {
                await noRetries.SendMessage(chatId, "hello");
                results.Add(200);
            }
            catch (ApiRequestException error)
            {
                results.Add(error.ErrorCode);
            }
        }

        Assert.Equal([200, 200, 200, 429], results);
    }

    [Fact]
    public async Task LimitsAreOffByDefault()
    {
        var chatId = Emulator.NewChat();

        for (var i = 0; i < 20; i++)
        {
            await Bot.SendMessage(chatId, $"burst {i}");
        }

        Assert.All(Emulator.CallsTo("sendMessage"), call => Assert.Equal(200, call.StatusCode));
    }
}
