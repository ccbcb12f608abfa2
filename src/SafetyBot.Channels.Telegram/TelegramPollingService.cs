using System.Globalization;
using Microsoft.Bot.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using global::Telegram.Bot;
using global::Telegram.Bot.Types;
using global::Telegram.Bot.Types.Enums;

namespace SafetyBot.Channels.Telegram;

/// <summary>
/// Long polling. An update is confirmed to Telegram (the offset moves past it) only after its turn has
/// finished and its replies were sent, so a crash or restart never loses one; each update id is recorded
/// as handled in storage (Redis when configured), so a restart never answers it twice. The chats of a batch
/// are handled concurrently, each chat's updates in order.
/// </summary>
public sealed partial class TelegramPollingService(
    ITelegramBotClient client,
    TelegramAdapter adapter,
    IStorage storage,
    IOptions<TelegramOptions> options,
    ILogger<TelegramPollingService> logger) : BackgroundService
{
    private static readonly UpdateType[] Wanted = [UpdateType.Message, UpdateType.CallbackQuery];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await client.DeleteWebhook(cancellationToken: stoppingToken).ConfigureAwait(false);
        int? offset = null;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            Update[] updates;
            try
            {
                updates = await client.GetUpdates(offset, limit: 100, timeout: options.Value.PollingTimeoutSeconds,
                    allowedUpdates: Wanted, cancellationToken: stoppingToken).ConfigureAwait(false);
                failures = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failures++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(30_000, 250 * Math.Pow(2, Math.Min(failures, 8))));
                LogPollFailed(logger, ex, delay.TotalSeconds);
                await Task.Delay(delay, stoppingToken).ConfigureAwait(false);
                continue;
            }

            if (updates.Length == 0)
            {
                continue;
            }

            // Chats are independent and run side by side; one chat's updates stay in order. A started update is
            // finished even when the host is stopping (graceful shutdown waits), so its replies and its
            // "handled" mark go together; updates not started are left for the next poll, here or elsewhere.
            var chats = updates.GroupBy(ChatOf).Select(g => g.ToArray()).ToArray();
            try
            {
                await Parallel.ForEachAsync(chats,
                    new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxConcurrentChats, CancellationToken = stoppingToken },
                    async (chat, _) =>
                    {
                        foreach (var update in chat)
                        {
                            await HandleOnceAsync(update, CancellationToken.None).ConfigureAwait(false);
                        }
                    }).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            offset = updates[^1].Id + 1;
        }
    }

    /// <summary>Handles an update unless storage says it was handled already (by this or another host).</summary>
    public async Task HandleOnceAsync(Update update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        var key = "telegram/updates/" + client.BotId.ToString(CultureInfo.InvariantCulture) + "/" + update.Id.ToString(CultureInfo.InvariantCulture);
        if ((await storage.ReadAsync([key], cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            LogDuplicate(logger, update.Id);
            return;
        }

        await adapter.ProcessUpdateAsync(update, cancellationToken).ConfigureAwait(false);
        await storage.WriteAsync(new Dictionary<string, object> { [key] = new Dictionary<string, object> { ["done"] = true } }, cancellationToken).ConfigureAwait(false);
    }

    private static long ChatOf(Update update) =>
        update.Message?.Chat.Id ?? update.CallbackQuery?.Message?.Chat.Id ?? update.CallbackQuery?.From.Id ?? 0;

    [LoggerMessage(Level = LogLevel.Warning, Message = "getUpdates failed; retrying in {DelaySeconds} s")]
    private static partial void LogPollFailed(ILogger logger, Exception exception, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Update {UpdateId} was handled before; skipped")]
    private static partial void LogDuplicate(ILogger logger, int updateId);
}
