using Telegram.Bot;

namespace SafetyBot.Telegram.Emulator.Tests;

/// <summary>Each test gets its own emulator on a fresh loopback port and a real Telegram.Bot client pointed at it.</summary>
public abstract class EmulatorTest : IAsyncLifetime
{
    private readonly List<HttpClient> _httpClients = [];

    protected TelegramBotApiEmulator Emulator { get; private set; } = null!;

    protected TelegramBotClient Bot { get; private set; } = null!;

    protected virtual TelegramBotApiEmulatorOptions? Options => null;

    public async Task InitializeAsync()
    {
        Emulator = await TelegramBotApiEmulator.StartAsync(options: Options);
        Bot = CreateClient();
    }

    public async Task DisposeAsync()
    {
        await Emulator.DisposeAsync();
        foreach (var http in _httpClients)
        {
            http.Dispose();
        }

        Assert.Empty(Emulator.UnexpectedErrors);
    }

    protected TelegramBotClient CreateClient(string? token = null, Action<TelegramBotClientOptions>? configure = null)
    {
        var options = new TelegramBotClientOptions(token ?? Emulator.Token, baseUrl: Emulator.BaseUrl);
        configure?.Invoke(options);
        return new TelegramBotClient(options, RawHttp());
    }

    /// <summary>A plain client that never goes through a proxy: tests talk to loopback only.</summary>
    protected HttpClient RawHttp()
    {
        var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(60) };
        _httpClients.Add(http);
        return http;
    }
}
