using Telegram.Bot;
using Telegram.Bot.Types.Enums;

namespace SafetyBot.Telegram.Emulator.Tests;

public sealed class MediaTests : EmulatorTest
{
    [Fact]
    public async Task MediaMessages_DeserialiseIntoTheClientsTypes()
    {
        var chatId = Emulator.NewChat();
        Emulator.PostPhoto(chatId, caption: "see https://example.org/post/1");
        Emulator.PostDocument(chatId, "passport.pdf");
        Emulator.PostVoice(chatId, durationSeconds: 7);
        Emulator.PostSticker(chatId);
        Emulator.PostLocation(chatId, 48.8566, 2.3522);
        Emulator.PostContact(chatId, "+380441234567", "Mum");

        var messages = (await Bot.GetUpdates()).Select(update => update.Message!).ToArray();

        Assert.Equal(
            [MessageType.Photo, MessageType.Document, MessageType.Voice, MessageType.Sticker, MessageType.Location, MessageType.Contact],
            messages.Select(message => message.Type));
        var photo = messages[0];
        Assert.Equal(3, photo.Photo!.Length);
        Assert.All(photo.Photo, size => Assert.False(string.IsNullOrEmpty(size.FileId)));
        Assert.Equal(1280, photo.Photo[^1].Width);
        Assert.Equal("see https://example.org/post/1", photo.Caption);
        Assert.Equal(MessageEntityType.Url, Assert.Single(photo.CaptionEntities!).Type);
        Assert.Equal("passport.pdf", messages[1].Document!.FileName);
        Assert.Equal("application/pdf", messages[1].Document!.MimeType);
        Assert.Equal(7, messages[2].Voice!.Duration);
        Assert.Equal("🙂", messages[3].Sticker!.Emoji);
        Assert.Equal(48.8566, messages[4].Location!.Latitude, 4);
        Assert.Equal("+380441234567", messages[5].Contact!.PhoneNumber);
        Assert.False(Emulator.WasCalled("getFile"));
        Assert.False(Emulator.WasCalled("downloadFile"));
    }

    [Fact]
    public async Task GetFileAndDownloads_AreAnsweredAndRecorded_SoATestCanProveTheyNeverHappen()
    {
        var chatId = Emulator.NewChat();
        Emulator.PostPhoto(chatId);
        var photo = (await Bot.GetUpdates())[0].Message!.Photo![^1];

        var file = await Bot.GetFile(photo.FileId);
        using var downloaded = new MemoryStream();
        await Bot.DownloadFile(file.FilePath!, downloaded);

        Assert.Equal(photo.FileUniqueId, file.FileUniqueId);
        Assert.True(downloaded.Length > 0);
        Assert.True(Emulator.WasCalled("getFile"));
        Assert.Equal(file.FilePath, Assert.Single(Emulator.CallsTo("downloadFile")).Parameters["file_path"]!.GetValue<string>());
    }

    [Fact]
    public async Task UserText_CarriesTelegramsEntities()
    {
        var chatId = Emulator.NewChat();
        Emulator.PostText(chatId, "/report https://instagram.com/p/abc and mail me@example.org #help");

        var message = (await Bot.GetUpdates())[0].Message!;

        Assert.Equal(
            [MessageEntityType.BotCommand, MessageEntityType.Url, MessageEntityType.Email, MessageEntityType.Hashtag],
            message.Entities!.Select(entity => entity.Type));
        Assert.Equal(["/report", "https://instagram.com/p/abc", "me@example.org", "#help"], message.EntityValues!);
    }

    [Fact]
    public async Task EditedUserMessages_ArriveAsEditedMessage()
    {
        var chatId = Emulator.NewChat();
        var original = Emulator.PostText(chatId, "typo");

        Emulator.PostEditedText(chatId, original.MessageId!.Value, "fixed");
        var updates = await Bot.GetUpdates();

        Assert.Equal(UpdateType.EditedMessage, updates[1].Type);
        Assert.Equal("fixed", updates[1].EditedMessage!.Text);
        Assert.Equal(original.MessageId, updates[1].EditedMessage!.Id);
    }
}
