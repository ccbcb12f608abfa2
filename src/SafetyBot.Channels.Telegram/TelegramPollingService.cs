using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SafetyBot.Core.Analysis;
using global::Telegram.Bot;
using global::Telegram.Bot.Types;
using global::Telegram.Bot.Types.Enums;

namespace SafetyBot.Channels.Telegram;

/// <summary>
/// Long polling. An update is confirmed to Telegram (the offset moves past it) only after its turn has finished and
/// its replies are in the outbox with its receipt, so a crash or restart never loses one, and the receipt (in Redis
/// when configured) keeps a restart from answering it twice. The chats of a batch are handled concurrently, each
/// chat's updates in order. When an update cannot be handled (storage away), the batch is fetched again after a
/// pause; the updates already handled are skipped by their receipts.
/// </summary>
public sealed partial class TelegramPollingService(
    ITelegramBotClient client,
    TelegramAdapter adapter,
    TelegramOutbox outbox,
    SafetyAnalyzer analyzer,
    IOptions<TelegramOptions> options,
    ILogger<TelegramPollingService> logger) : BackgroundService
{
    private static readonly UpdateType[] Wanted = [UpdateType.Message, UpdateType.CallbackQuery];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        int? offset = null;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            Update[] updates;
            bool[] handled;
            try
            {
                if (offset is null)
                {
                    await client.DeleteWebhook(cancellationToken: stoppingToken).ConfigureAwait(false);
                }

                updates = await client.GetUpdates(offset ?? 0, limit: 100, timeout: options.Value.PollingTimeoutSeconds,
                    allowedUpdates: Wanted, cancellationToken: stoppingToken).ConfigureAwait(false);
                offset ??= 0;

                // The receipts of the whole batch are checked at once: an update handled before (by this or another
                // host, before a restart) is skipped.
                handled = await outbox.Postbox.HaveReceiptsAsync([.. updates.Select(u => TelegramOutbox.Receipt(client.BotId, u.Id))], stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failures++;
                LogPollFailed(logger, ex, (await PauseAsync(failures, stoppingToken).ConfigureAwait(false)).TotalSeconds);
                continue;
            }

            if (updates.Length == 0)
            {
                failures = 0;
                continue;
            }

            foreach (var update in updates.Where((_, i) => handled[i]))
            {
                LogDuplicate(logger, update.Id);
            }

            // Chats are independent and run side by side, a chat in crisis first; one chat's updates stay in order, and a
            // chat stops at its first failure so its later updates wait for it. A started update is finished even when
            // the host is stopping (graceful shutdown waits), so its replies and its receipt go together.
            var chats = updates.Where((_, i) => !handled[i]).GroupBy(ChatOf).Select(g => g.ToArray()).OrderByDescending(c => c.Any(IsCrisis)).ToArray();
            var failed = 0;
            try
            {
                await Parallel.ForEachAsync(chats,
                    new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxConcurrentChats, CancellationToken = stoppingToken },
                    async (chat, _) =>
                    {
                        foreach (var update in chat)
                        {
                            try
                            {
                                if (!await adapter.ProcessUpdateAsync(update, CancellationToken.None).ConfigureAwait(false))
                                {
                                    LogDuplicate(logger, update.Id);
                                }
                            }
#pragma warning disable CA1031 // One update's failure must not stop the others; it is fetched again.
                            catch (Exception ex)
#pragma warning restore CA1031
                            {
                                Interlocked.Increment(ref failed);
                                LogUpdateFailed(logger, ex, update.Id);
                                return;
                            }
                        }
                    }).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            if (failed > 0)
            {
                failures++;
                await PauseAsync(failures, stoppingToken).ConfigureAwait(false);
                continue;
            }

            failures = 0;
            offset = updates[^1].Id + 1;
        }
    }

    /// <summary>Handles an update unless its receipt says it was handled already (by this or another host).</summary>
    public async Task<bool> HandleOnceAsync(Update update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        if ((await outbox.Postbox.HaveReceiptsAsync([TelegramOutbox.Receipt(client.BotId, update.Id)], cancellationToken).ConfigureAwait(false))[0]
            || !await adapter.ProcessUpdateAsync(update, cancellationToken).ConfigureAwait(false))
        {
            LogDuplicate(logger, update.Id);
            return false;
        }

        return true;
    }

    private static async Task<TimeSpan> PauseAsync(int failures, CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(Math.Min(30_000, 250 * Math.Pow(2, Math.Min(failures, 8))));
        try
        {
            await Task.Delay(delay, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }

        return delay;
    }

    /// <summary>Whether the update's words show a crisis (danger now, self-harm): its chat goes first.</summary>
    public bool IsCrisis(Update update) =>
        update?.Message?.Text is { Length: > 0 } text && analyzer.Analyze(text, update.Message.From?.LanguageCode, MessageRole.User).Crisis;

    /// <summary>The chat an update belongs to: its message's, or for a button the message it was under (else its sender).</summary>
    public static long ChatOf(Update update) =>
        update.Message?.Chat.Id ?? update.CallbackQuery?.Message?.Chat.Id ?? update.CallbackQuery?.From.Id ?? 0;

    [LoggerMessage(Level = LogLevel.Warning, Message = "getUpdates or the batch's receipt check failed; retrying in {DelaySeconds} s")]
    private static partial void LogPollFailed(ILogger logger, Exception exception, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Update {UpdateId} could not be handled; it is fetched again after a pause")]
    private static partial void LogUpdateFailed(ILogger logger, Exception exception, int updateId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Update {UpdateId} was handled before; skipped")]
    private static partial void LogDuplicate(ILogger logger, int updateId);
}
