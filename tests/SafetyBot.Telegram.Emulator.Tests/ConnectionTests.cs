using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Telegram.Bot;
using Telegram.Bot.Exceptions;

namespace SafetyBot.Telegram.Emulator.Tests;

public sealed class ConnectionTests : EmulatorTest
{
    [Fact]
    public void ListensOnLoopbackOnly()
    {
        var baseUri = new Uri(Emulator.BaseUrl);

        Assert.Equal("127.0.0.1", baseUri.Host);
        Assert.NotEqual(0, baseUri.Port);
        Assert.Equal(Emulator.BaseUrl + "/bot" + Emulator.Token, new TelegramBotClientOptions(Emulator.Token, Emulator.BaseUrl).BaseRequestUrl);
    }

    [Fact]
    public async Task GetMe_ReturnsTheBotIdentity()
    {
        var me = await Bot.GetMe();

        Assert.Equal(123456, me.Id);
        Assert.True(me.IsBot);
        Assert.Equal("SafetyBot", me.FirstName);
        Assert.Equal("safetybot_test_bot", me.Username);
        var call = Assert.Single(Emulator.Calls);
        Assert.Equal("getMe", call.Method);
        Assert.Equal(200, call.StatusCode);
    }

    [Fact]
    public async Task WrongToken_IsUnauthorized()
    {
        var stranger = CreateClient("123456:someone-else");

        var error = await Assert.ThrowsAsync<ApiRequestException>(() => stranger.GetMe());

        Assert.Equal(401, error.ErrorCode);
        Assert.Equal(401, Assert.Single(Emulator.Calls).StatusCode);
    }

    [Fact]
    public async Task WrongToken_AnswersTelegramsUnauthorizedBody()
    {
        using var response = await RawHttp().PostAsync($"{Emulator.BaseUrl}/bot999:nope/getMe", null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("""{"ok":false,"error_code":401,"description":"Unauthorized"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UnknownMethod_IsNotFound()
    {
        using var response = await RawHttp().PostAsync($"{Emulator.BaseUrl}/bot{Emulator.Token}/sendTelepathy", null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("""{"ok":false,"error_code":404,"description":"Not Found"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task MalformedJson_IsABadRequest_NotACrash()
    {
        using var content = new StringContent("{\"chat_id\": 1, \"text\": ", Encoding.UTF8, "application/json");

        using var response = await RawHttp().PostAsync($"{Emulator.BaseUrl}/bot{Emulator.Token}/sendMessage", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.False(body["ok"]!.GetValue<bool>());
        Assert.StartsWith("Bad Request: ", body["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(Emulator.UnexpectedErrors);
    }

    [Fact]
    public async Task FormEncodedAndQueryParameters_AreAccepted()
    {
        var chatId = Emulator.NewChat();
        var markup = """{"inline_keyboard":[[{"text":"Yes","callback_data":"yes"}]]}""";
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["chat_id"] = chatId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["text"] = "form",
            ["reply_markup"] = markup,
        });

        using var formResponse = await RawHttp().PostAsync($"{Emulator.BaseUrl}/bot{Emulator.Token}/sendMessage", form);
        using var queryResponse = await RawHttp().GetAsync($"{Emulator.BaseUrl}/bot{Emulator.Token}/sendMessage?chat_id={chatId}&text=query");

        Assert.Equal(HttpStatusCode.OK, formResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, queryResponse.StatusCode);
        var messages = Emulator.MessagesTo(chatId);
        Assert.Equal(["form", "query"], messages.Select(message => message.Text));
        Assert.Equal("yes", Assert.Single(messages[0].Buttons).CallbackData);
    }

    [Fact]
    public async Task MultipartParameters_AreAccepted()
    {
        var chatId = Emulator.NewChat();
        using var multipart = new MultipartFormDataContent
        {
            { new StringContent(chatId.ToString(System.Globalization.CultureInfo.InvariantCulture)), "chat_id" },
            { new StringContent("multipart"), "text" },
        };

        using var response = await RawHttp().PostAsync($"{Emulator.BaseUrl}/bot{Emulator.Token}/sendMessage", multipart);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("multipart", Assert.Single(Emulator.MessagesTo(chatId)).Text);
    }

    [Fact]
    public async Task MethodNames_AreCaseInsensitive_AndRecordedCanonically()
    {
        using var response = await RawHttp().PostAsync($"{Emulator.BaseUrl}/bot{Emulator.Token}/GETME", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("getMe", Assert.Single(Emulator.Calls).Method);
    }

    [Fact]
    public async Task RecordedCalls_CarryTheParametersTheClientSent()
    {
        var chatId = Emulator.NewChat();

        await Bot.SendMessage(chatId, "hello");

        var call = Assert.Single(Emulator.CallsTo("sendMessage"));
        Assert.Equal(chatId, call.Parameters["chat_id"]!.GetValue<long>());
        Assert.Equal("hello", call.Parameters["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task ClientLeavingMidBody_IsNotAnEmulatorError()
    {
        var endpoint = new Uri(Emulator.BaseUrl);
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(IPAddress.Loopback, endpoint.Port);
            var head = $"POST /bot{Emulator.Token}/sendMessage HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"chat_id\":";
            await socket.SendAsync(Encoding.ASCII.GetBytes(head));
            socket.Shutdown(SocketShutdown.Both);
        }

        await Emulator.WaitUntilAsync(() => Emulator.CallsTo("sendMessage").Count == 1);

        Assert.NotEqual(200, Assert.Single(Emulator.CallsTo("sendMessage")).StatusCode);
        Assert.Empty(Emulator.UnexpectedErrors);
    }
}
