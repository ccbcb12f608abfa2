using Telegram.Bot;
namespace SafetyBot.Telegram.Emulator.Tests;
public sealed class ProbeTmp : EmulatorTest
{
    [Fact]
    public async Task Probe()
    {
        await using var r = await WebhookReceiver.StartAsync();
        var baseUrl = r.Url.Replace("/telegram/webhook", "/some/path?x=1", StringComparison.Ordinal);
        var c = new TelegramBotClient(new TelegramBotClientOptions("123456:abc", baseUrl));
        try { await c.GetMe(); } catch (Exception e) { await File.AppendAllTextAsync("/tmp/probe2.txt", e.GetType() + ": " + e.Message + "\n"); }
        try { await c.SendMessage(5, "hi"); } catch (Exception e) { await File.AppendAllTextAsync("/tmp/probe2.txt", e.GetType() + ": " + e.Message + "\n"); }
        foreach (var x in r.Received) { await File.AppendAllTextAsync("/tmp/probe2.txt", $"{x.Path} | {x.ContentType} | {x.Body}\n"); }
    }
}
