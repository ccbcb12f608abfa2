using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SafetyBot.Core.Delivery;
using global::Telegram.Bot;
using global::Telegram.Bot.Exceptions;
using global::Telegram.Bot.Types.ReplyMarkups;

namespace SafetyBot.Channels.Telegram;

/// <summary>
/// Sends what waits in the outbox, on every host (Redis leases keep one chat's messages in order and never two
/// at once). A 429 is retried after Telegram's retry_after, a 5xx or a network failure after a growing pause;
/// a message Telegram refuses for good (400, 403: the chat is gone or blocked the bot) is dropped with its error
/// code logged. A message sent while the chat was being erased is deleted again.
/// </summary>
public sealed partial class TelegramSender(
    TelegramOutbox outbox,
    ITelegramBotClient client,
    IOptions<TelegramOptions> options,
    ILogger<TelegramSender> logger) : PostboxWorker(outbox.Postbox, options.Value.MaxConcurrentSends, logger)
{
    private const int MaxAttempts = 20;
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);

    protected override Task<DeliveryTake?> HandleAsync(DeliveryLease lease, bool takeNext) => SendAsync(lease, takeNext, CancellationToken.None);

    /// <summary>Sends one message of the outbox, then completes or retries its lease.</summary>
    public Task SendAsync(DeliveryLease lease, CancellationToken cancellationToken) => SendAsync(lease, false, cancellationToken);

    /// <summary>
    /// Sends one message of the outbox, then completes or retries its lease. With <paramref name="takeNext"/>, a message
    /// sent is completed together with taking the next one, which is returned.
    /// </summary>
    public async Task<DeliveryTake?> SendAsync(DeliveryLease lease, bool takeNext, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        OutgoingMessage message;
        try
        {
            message = outbox.Open(lease.Item);
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException)
        {
            // Sealed with another key (Transcripts:EncryptionKey changed): it cannot be read, so it cannot be sent.
            LogUnreadable(logger);
            await outbox.Postbox.CompleteAsync(lease, cancellationToken: cancellationToken).ConfigureAwait(false);
            return null;
        }

        try
        {
            var keyboard = message.Buttons is { Count: > 0 } buttons
                ? new InlineKeyboardMarkup(buttons.Select(b => new[] { InlineKeyboardButton.WithCallbackData(b.Title, b.Data) }))
                : null;
            // Well within the lease, so no other host takes the message while this send may still succeed.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.SendLeaseSeconds) / 2);
            var sent = await client.SendMessage(message.ChatId, message.Text, replyMarkup: keyboard, cancellationToken: timeout.Token).ConfigureAwait(false);
            _attempts.TryRemove(lease.Item.Id, out _);
            var sentId = message.Forget ? (long?)null : sent.Id;
            var (completed, next) = takeNext
                ? await outbox.Postbox.CompleteAndTakeAsync(lease, sentId, cancellationToken).ConfigureAwait(false)
                : (await outbox.Postbox.CompleteAsync(lease, sentId, cancellationToken).ConfigureAwait(false), default(DeliveryTake?));
            if (!completed)
            {
                // The chat was erased (quick exit) while this was on its way: take it back.
                await TryDeleteAsync(message.ChatId, sent.Id, cancellationToken).ConfigureAwait(false);
            }

            return next;
        }
        catch (ApiRequestException ex) when (ex.ErrorCode == 429)
        {
            var after = TimeSpan.FromSeconds(Math.Max(1, ex.Parameters?.RetryAfter ?? 1));
            LogTooMany(logger, after.TotalSeconds);
            await outbox.Postbox.RetryAsync(lease, after, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiRequestException ex) when (ex.ErrorCode is >= 400 and < 500)
        {
            _attempts.TryRemove(lease.Item.Id, out _);
            LogRefused(logger, ex.ErrorCode);
            await outbox.Postbox.CompleteAsync(lease, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ApiRequestException or RequestException or HttpRequestException or OperationCanceledException)
        {
            var attempt = _attempts.AddOrUpdate(lease.Item.Id, 1, (_, n) => n + 1);
            if (attempt >= MaxAttempts)
            {
                _attempts.TryRemove(lease.Item.Id, out _);
                LogGaveUp(logger, attempt);
                await outbox.Postbox.CompleteAsync(lease, cancellationToken: cancellationToken).ConfigureAwait(false);
                return null;
            }

            var after = TimeSpan.FromMilliseconds(Math.Min(60_000, 250 * Math.Pow(2, attempt)));
            LogRetrying(logger, (ex as ApiRequestException)?.ErrorCode ?? 0, attempt, after.TotalSeconds);
            await outbox.Postbox.RetryAsync(lease, after, cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    private async Task TryDeleteAsync(long chatId, int messageId, CancellationToken cancellationToken)
    {
        try
        {
            await client.DeleteMessage(chatId, messageId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ApiRequestException or RequestException)
        {
            LogDeleteFailed(logger, (ex as ApiRequestException)?.ErrorCode ?? 0);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A reply in the Telegram outbox cannot be decrypted (was Transcripts:EncryptionKey changed?); it is dropped")]
    private static partial void LogUnreadable(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram asked to slow down; the chat's next message waits {Seconds} s")]
    private static partial void LogTooMany(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram refused a message for good (error {ErrorCode}); it is dropped")]
    private static partial void LogRefused(ILogger logger, int errorCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending to Telegram failed (error {ErrorCode}, attempt {Attempt}); retrying in {Seconds} s")]
    private static partial void LogRetrying(ILogger logger, int errorCode, int attempt, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sending to Telegram failed {Attempt} times; the message is dropped")]
    private static partial void LogGaveUp(ILogger logger, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete a message sent during quick exit (error {ErrorCode})")]
    private static partial void LogDeleteFailed(ILogger logger, int errorCode);
}
