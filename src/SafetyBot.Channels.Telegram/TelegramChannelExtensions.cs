using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SafetyBot.Core;
using SafetyBot.Core.Conversations;
using SafetyBot.Core.Localization;
using global::Telegram.Bot;
using global::Telegram.Bot.Types;

namespace SafetyBot.Channels.Telegram;

public static class TelegramChannelExtensions
{
    /// <summary>Registers the Telegram channel: client, adapter, outbox and its sender, quick exit, long polling or the webhook inbox, and the command menus.</summary>
    public static SafetyBotBuilder AddTelegramChannel(this SafetyBotBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<TelegramOptions>().BindConfiguration(TelegramOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => !string.IsNullOrWhiteSpace(o.BotToken) && o.BotToken.Contains(':', StringComparison.Ordinal),
                "Telegram:BotToken (Telegram__BotToken) must be the token BotFather gave, like 123456:ABC….")
            .Validate(o => string.IsNullOrEmpty(o.ApiBaseUrl) || Uri.IsWellFormedUriString(o.ApiBaseUrl, UriKind.Absolute),
                "Telegram:ApiBaseUrl must be an absolute URL.")
            .Validate(o => o.Mode == TelegramMode.Polling || Uri.IsWellFormedUriString(o.WebhookUrl, UriKind.Absolute),
                "Telegram:WebhookUrl (Telegram__WebhookUrl) must be the absolute public URL of /api/telegram/webhook when Telegram:Mode is Webhook.")
            .Validate(o => o.Mode == TelegramMode.Polling || TelegramWebhook.IsValidSecret(o.WebhookSecret),
                "Telegram:WebhookSecret (Telegram__WebhookSecret) must be 16–256 characters of A–Z, a–z, 0–9, _ and - when Telegram:Mode is Webhook.")
            .ValidateOnStart();
        // Every Bot API address carries the bot token: the client's request logging would write it into the logs.
        services.AddHttpClient("telegram").RemoveAllLoggers();
        services.AddSingleton<ITelegramBotClient>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<TelegramOptions>>().Value;
            var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient("telegram");
            http.Timeout = TimeSpan.FromSeconds(o.PollingTimeoutSeconds + 30);
            // 429s come back to SafetyBot, which reschedules the chat instead of holding a sender for retry_after.
            return new TelegramBotClient(new TelegramBotClientOptions(o.BotToken!, string.IsNullOrEmpty(o.ApiBaseUrl) ? null : o.ApiBaseUrl.TrimEnd('/')) { RetryCount = 0 }, http);
        });
        services.AddSingleton<TelegramOutbox>();
        services.AddSingleton<IChannelConversationEraser, TelegramQuickExit>();
        services.AddSingleton<TelegramAdapter>();
        services.AddSingleton(new SafetyBot.Core.Handoff.ChannelRegistration("telegram", typeof(TelegramAdapter)));
        services.AddSingleton<TelegramPollingService>();
        services.AddSingleton<TelegramInbox>();
        services.AddSingleton<TelegramRehearsal>();
        services.AddHostedService<TelegramCommandMenus>();
        services.AddHostedService<TelegramSender>();
        services.AddHostedService<TelegramReceiver>();
        return builder;
    }
}

/// <summary>Publishes /start, /help, /human, /language and /exit with their descriptions in every language.</summary>
public sealed partial class TelegramCommandMenus(ITelegramBotClient client, TextCatalog catalog, ILogger<TelegramCommandMenus> logger) : IHostedService
{
    private static readonly string[] Commands = ["start", "help", "human", "language", "exit"];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var language in catalog.Languages)
            {
                var commands = Commands.Select(c => new BotCommand(c, catalog.Get(language.Code, "telegram.command." + c)));
                await client.SetMyCommands(commands, languageCode: language.Code == TextCatalog.DefaultLanguage ? null : language.Code,
                    cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The menu is a convenience: the bot works without it, so start-up goes on.
            LogCommandsFailed(logger, ex);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish the Telegram command menu")]
    private static partial void LogCommandsFailed(ILogger logger, Exception exception);
}
