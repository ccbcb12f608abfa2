using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using SafetyBot.Core.Localization;
using SafetyBot.Telegram.Emulator;
using SafetyBot.Testing;

namespace SafetyBot.Channels.Telegram.Tests;

/// <summary>Webhook mode: Telegram (the emulator) posts updates to the host with the secret token.</summary>
public sealed class TelegramWebhookTests : IAsyncLifetime
{
    private const string Secret = "webhook-secret-0123456789";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private TelegramBotApiEmulator _telegram = null!;
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        _telegram = await TelegramBotApiEmulator.StartAsync();
        _host = await StartWebhookHostAsync(new Dictionary<string, string?>());
    }

    /// <summary>A host in webhook mode on a free loopback port, registering itself with the emulator.</summary>
    private Task<TestHost> StartWebhookHostAsync(IDictionary<string, string?> extra)
    {
        var port = RedisServer.FreePort();
        var settings = new Dictionary<string, string?>(extra)
        {
            ["Telegram:BotToken"] = _telegram.Token,
            ["Telegram:ApiBaseUrl"] = _telegram.BaseUrl,
            ["Telegram:Mode"] = "Webhook",
            ["Telegram:WebhookUrl"] = $"http://127.0.0.1:{port}/api/telegram/webhook",
            ["Telegram:WebhookSecret"] = Secret,
            ["Telegram:PaceMessages"] = "false",
        };
        return TestHost.StartAsync(settings, services => services.AddSingleton(_telegram.Clock), port);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _telegram.DisposeAsync();
    }

    private string Text(string language, string key) => _host.Services.GetRequiredService<TextCatalog>().Format(language, key, ("emergency", "112"));

    [Fact]
    public async Task UpdatesArriveByWebhook_WithTheSecret_AndAreAnswered()
    {
        await _telegram.WaitForCallAsync("setWebhook", timeout: Wait);
        var chat = _telegram.NewChat("Olena", "uk");

        _telegram.PostCommand(chat, "/start");
        var question = await _telegram.WaitForMessageAsync(chat, m => m.Text == Text("uk", "welcome.safe_now"), Wait);
        _telegram.PostCallback(chat, question.MessageId, question.Buttons.Single(b => b.Text == Text("uk", "welcome.safe_yes")).CallbackData!);
        var menu = await _telegram.WaitForMessageAsync(chat, m => m.Text == Text("uk", "menu.prompt"), Wait);
        _telegram.PostCallback(chat, menu.MessageId, menu.Buttons.Single(b => b.Text == "Гарячі лінії").CallbackData!);
        var confirm = await _telegram.WaitForMessageAsync(chat, m => m.Buttons.Any(b => b.CallbackData == "a:answer:helplines-confirm-yes"), Wait);
        _telegram.PostCallback(chat, confirm.MessageId, "a:answer:helplines-confirm-yes");

        await _telegram.WaitForMessageAsync(chat, m => m.Text.Contains("527", StringComparison.Ordinal), Wait);
        Assert.Equal(Secret, (string?)_telegram.CallsTo("setWebhook")[^1].Parameters["secret_token"]);
        Assert.False(_telegram.WasCalled("getUpdates"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-secret-0123456789")]
    [InlineData("")]
    public async Task MissingOrWrongSecret_Gets401_AndNothingIsProcessed(string? secret)
    {
        var chat = _telegram.NewChat("Sam", "en");
        var update = $$$"""{"update_id":900000001,"message":{"message_id":1,"date":1795000000,"chat":{"id":{{{chat}}},"type":"private","first_name":"Sam"},"from":{"id":{{{chat}}},"is_bot":false,"first_name":"Sam"},"text":"/start"}}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/telegram/webhook") { Content = new StringContent(update, Encoding.UTF8, "application/json") };
        if (secret is not null)
        {
            request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", secret);
        }

        using var response = await _host.Client.SendAsync(request);
        await Task.Delay(500);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(_telegram.MessagesTo(chat));
    }

    [Fact]
    public async Task MalformedBody_WithTheRightSecret_Gets400()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/telegram/webhook") { Content = new StringContent("{not json", Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", Secret);

        using var response = await _host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task TheSameUpdateDeliveredTwice_IsAnsweredOnce()
    {
        var chat = _telegram.NewChat("Sam", "en");
        var update = $$$"""{"update_id":900000002,"message":{"message_id":1,"date":1795000000,"chat":{"id":{{{chat}}},"type":"private","first_name":"Sam"},"from":{"id":{{{chat}}},"is_bot":false,"first_name":"Sam","language_code":"en"},"text":"helplines"}}""";

        for (var i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/telegram/webhook") { Content = new StringContent(update, Encoding.UTF8, "application/json") };
            request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", Secret);
            using var response = await _host.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // English suggests no country: the one reply is the question which country the helplines are for.
        await _telegram.WaitForMessageAsync(chat, m => m.Text == Text("en", "helplines.ask_country"), Wait);
        await Task.Delay(500);
        Assert.Single(_telegram.MessagesTo(chat), m => m.Text == Text("en", "helplines.ask_country"));
    }

    [Fact]
    public async Task TelegramGetsItsAnswerAtOnce_AndThePersonTheirsAfter()
    {
        var chat = _telegram.NewChat("Sam", "en");
        _telegram.Delay("sendMessage", TimeSpan.FromSeconds(3));

        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var response = await PostAsync(_host, Update(900000003, chat, "helplines"));
        var answeredIn = watch.Elapsed;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(answeredIn < TimeSpan.FromSeconds(2), $"the webhook took {answeredIn}");
        await _telegram.WaitForMessageAsync(chat, m => m.Text == Text("en", "helplines.ask_country"), Wait);
    }

    [Fact]
    public async Task SeveralHostsBehindOneUrl_SharingRedis_AnswerEachUpdateOnce_AndEachChatInOrder()
    {
        var redis = await SharedRedis.ConfigurationAsync();
        var prefix = SharedRedis.NewPrefix();
        var hosts = new List<TestHost>();
        for (var i = 0; i < 2; i++)
        {
            hosts.Add(await StartWebhookHostAsync(new Dictionary<string, string?>
            {
                ["Redis:Configuration"] = redis,
                ["Redis:KeyPrefix"] = prefix,
                ["Transcripts:EncryptionKey"] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            }));
        }

        try
        {
            var chat = _telegram.NewChat("Sam", "en");
            // A load balancer sends the same update to both hosts (a retry), then the person's next words to the other.
            foreach (var host in hosts)
            {
                using var response = await PostAsync(host, Update(900000010, chat, "/start"));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            using (var next = await PostAsync(hosts[1], Update(900000011, chat, Text("en", "welcome.safe_yes"), messageId: 2)))
            {
                Assert.Equal(HttpStatusCode.OK, next.StatusCode);
            }

            await _telegram.WaitForMessageAsync(chat, m => m.Text == Text("en", "menu.prompt"), Wait);
            await Task.Delay(500);
            var texts = _telegram.MessagesTo(chat).Select(m => m.Text).ToList();
            Assert.Single(texts, t => t == Text("en", "welcome.safe_now"));
            Assert.Single(texts, t => t == Text("en", "menu.prompt"));
            Assert.True(texts.IndexOf(Text("en", "welcome.safe_now")) < texts.IndexOf(Text("en", "menu.prompt")));
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }

    private static string Update(long updateId, long chat, string text, int messageId = 1) =>
        $$$"""{"update_id":{{{updateId}}},"message":{"message_id":{{{messageId}}},"date":1795000000,"chat":{"id":{{{chat}}},"type":"private","first_name":"Sam"},"from":{"id":{{{chat}}},"is_bot":false,"first_name":"Sam","language_code":"en"},"text":{{{System.Text.Json.JsonSerializer.Serialize(text)}}}}}""";

    private static Task<HttpResponseMessage> PostAsync(TestHost host, string update)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/telegram/webhook") { Content = new StringContent(update, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", Secret);
        return host.Client.SendAsync(request);
    }
}
