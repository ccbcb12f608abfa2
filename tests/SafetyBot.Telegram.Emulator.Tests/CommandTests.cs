using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Types;

namespace SafetyBot.Telegram.Emulator.Tests;

public sealed class CommandTests : EmulatorTest
{
    [Fact]
    public async Task Commands_AreKeptPerLanguage()
    {
        await Bot.SetMyCommands([new BotCommand("start", "Start"), new BotCommand("exit", "Quick exit")]);
        await Bot.SetMyCommands([new BotCommand("start", "Почати"), new BotCommand("exit", "Швидкий вихід")], languageCode: "uk");

        var defaults = await Bot.GetMyCommands();
        var ukrainian = await Bot.GetMyCommands(languageCode: "uk");
        var german = await Bot.GetMyCommands(languageCode: "de");

        Assert.Equal(["Start", "Quick exit"], defaults.Select(command => command.Description));
        Assert.Equal(["Почати", "Швидкий вихід"], ukrainian.Select(command => command.Description));
        Assert.Empty(german);
        Assert.Equal("Швидкий вихід", Emulator.Commands("uk")[1].Description);
        Assert.Equal("exit", Emulator.Commands()[1].Command);
    }

    [Fact]
    public async Task Commands_AreKeptPerScope()
    {
        await Bot.SetMyCommands([new BotCommand("help", "Help")], scope: BotCommandScope.AllPrivateChats());

        Assert.Empty(await Bot.GetMyCommands());
        Assert.Single(await Bot.GetMyCommands(scope: BotCommandScope.AllPrivateChats()));
        Assert.Single(Emulator.Commands(scope: "all_private_chats"));
    }

    [Fact]
    public async Task InvalidCommands_AreRejected()
    {
        var error = await Assert.ThrowsAsync<ApiRequestException>(() => Bot.SetMyCommands([new BotCommand("Start!", "Start")]));

        Assert.Equal("Bad Request: BOT_COMMAND_INVALID", error.Message);
    }

    [Fact]
    public async Task DeleteMyCommands_RemovesTheList()
    {
        await Bot.SetMyCommands([new BotCommand("start", "Start")], languageCode: "en");

        await Bot.DeleteMyCommands(languageCode: "en");

        Assert.Empty(await Bot.GetMyCommands(languageCode: "en"));
    }
}
