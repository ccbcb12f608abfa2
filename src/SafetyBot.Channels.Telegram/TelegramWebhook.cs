using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using global::Telegram.Bot;
using global::Telegram.Bot.Serialization;
using global::Telegram.Bot.Types;
using global::Telegram.Bot.Types.Enums;

namespace SafetyBot.Channels.Telegram;

/// <summary>
/// The webhook endpoint. A request without the right secret token gets 401 and nothing is processed. An update is
/// sealed into the durable inbox (Redis when configured; once per update id, whichever host gets it) and Telegram
/// gets its 200 at once; <see cref="TelegramInbox"/> then runs the turn on any host, and the update's receipt keeps
/// it from being answered twice.
/// </summary>
public static class TelegramWebhook
{
    public const string Path = "/api/telegram/webhook";
    private const int MaxBodyBytes = 1024 * 1024;

    public static bool IsValidSecret(string? secret) =>
        secret is { Length: >= 16 and <= 256 } && secret.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    public static IEndpointRouteBuilder MapTelegramWebhook(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPost(Path, async (HttpContext context, IServiceProvider services) =>
        {
            var options = services.GetService<IOptions<TelegramOptions>>()?.Value;
            if (options is null || options.Mode != TelegramMode.Webhook || !IsValidSecret(options.WebhookSecret))
            {
                return Results.NotFound();
            }

            var presented = context.Request.Headers["X-Telegram-Bot-Api-Secret-Token"].ToString();
            if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(options.WebhookSecret!))))
            {
                return Results.Unauthorized();
            }

            if (context.Request.ContentLength > MaxBodyBytes)
            {
                return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
            }

            Update? update;
            try
            {
                update = await JsonSerializer.DeserializeAsync<Update>(context.Request.Body, JsonBotAPI.Options, context.RequestAborted).ConfigureAwait(false);
            }
            catch (JsonException)
            {
                return Results.BadRequest();
            }

            if (update is null)
            {
                return Results.BadRequest();
            }

            // Kept even if Telegram hangs up early: once it is in the inbox, it will be answered.
            await services.GetRequiredService<TelegramInbox>().AcceptAsync(update, CancellationToken.None).ConfigureAwait(false);
            return Results.Ok();
        });
        return endpoints;
    }
}

/// <summary>Receives updates the configured way: long polling, or a webhook registered once the host listens.</summary>
public sealed partial class TelegramReceiver(
    IOptions<TelegramOptions> options,
    TelegramPollingService polling,
    IServiceProvider services,
    TelegramRehearsal rehearsal,
    ITelegramBotClient client,
    IHostApplicationLifetime lifetime,
    ILogger<TelegramReceiver> logger) : IHostedService
{
    private static readonly UpdateType[] Wanted = [UpdateType.Message, UpdateType.CallbackQuery];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Updates wait at Telegram (polling) or in Telegram's retries (webhook: the endpoint opens after this) meanwhile.
        await rehearsal.RunAsync(cancellationToken).ConfigureAwait(false);
        if (options.Value.Mode == TelegramMode.Polling)
        {
            await polling.StartAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        lifetime.ApplicationStarted.Register(() => _ = RegisterWebhookAsync(lifetime.ApplicationStopping));
        await Inbox.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) =>
        options.Value.Mode == TelegramMode.Polling ? polling.StopAsync(cancellationToken) : Inbox.StopAsync(cancellationToken);

    // Made only in webhook mode: opening it subscribes to the inbox's announcements, which polling never needs.
    private TelegramInbox Inbox => services.GetRequiredService<TelegramInbox>();

    private async Task RegisterWebhookAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; !cancellationToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await client.SetWebhook(options.Value.WebhookUrl!, allowedUpdates: Wanted, secretToken: options.Value.WebhookSecret,
                    cancellationToken: cancellationToken).ConfigureAwait(false);
                LogWebhookSet(logger);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogWebhookFailed(logger, ex, attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, attempt))), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Telegram webhook registered")]
    private static partial void LogWebhookSet(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not register the Telegram webhook (attempt {Attempt}); retrying")]
    private static partial void LogWebhookFailed(ILogger logger, Exception exception, int attempt);
}
