using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SafetyBot.Core.Delivery;
using SafetyBot.Core.Transcripts;
using global::Telegram.Bot;
using global::Telegram.Bot.Serialization;
using global::Telegram.Bot.Types;

namespace SafetyBot.Channels.Telegram;

/// <summary>
/// Webhook updates wait here, sealed, in one line per chat (Redis when configured), from the moment Telegram hands
/// them over until their turn has run: the webhook answers Telegram at once, a host that stops mid-turn leaves the
/// update to another (after the lease), and one chat's updates run in order, one at a time, over all hosts.
/// </summary>
public sealed partial class TelegramInbox(
    IPostboxes postboxes,
    TelegramPollingService handler,
    ITelegramBotClient client,
    TranscriptCipher cipher,
    IOptions<TelegramOptions> options,
    ILogger<TelegramInbox> logger) : PostboxWorker(Open(postboxes), options.Value.MaxConcurrentChats, logger)
{
    public const string Name = "telegram-in";
    private int _failures;

    public IPostbox Postbox { get; } = Open(postboxes);

    /// <summary>Keeps the update until its turn has run; an update id already accepted (here or elsewhere) is ignored.</summary>
    public Task<bool> AcceptAsync(Update update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        var sealedUpdate = cipher.Seal(Name, JsonSerializer.SerializeToUtf8Bytes(update, JsonBotAPI.Options));
        // Words in crisis jump the inbox, as their reply jumps the outbox.
        return Postbox.AddAsync(TelegramOutbox.Line(TelegramPollingService.ChatOf(update)), [new DeliveryItem(DeliveryItem.NewId(), handler.IsCrisis(update), sealedUpdate)],
            TelegramOutbox.Receipt(client.BotId, update.Id), cancellationToken: cancellationToken);
    }

    protected override async Task<DeliveryTake?> HandleAsync(DeliveryLease lease, bool takeNext)
    {
        Update? update;
        try
        {
            update = JsonSerializer.Deserialize<Update>(cipher.Open(Name, lease.Item.Payload), JsonBotAPI.Options);
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException)
        {
            LogUnreadable(logger);
            update = null;
        }

        if (update is not null)
        {
            try
            {
                // Finished even while the host stops: its replies and its receipt go together.
                await handler.HandleOnceAsync(update, CancellationToken.None).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // The update stays in the inbox and is tried again.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                var failures = Interlocked.Increment(ref _failures);
                LogUpdateFailed(logger, ex, update.Id);
                await Postbox.RetryAsync(lease, TimeSpan.FromMilliseconds(Math.Min(30_000, 250 * Math.Pow(2, Math.Min(failures, 8)))), CancellationToken.None).ConfigureAwait(false);
                return null;
            }
        }

        Interlocked.Exchange(ref _failures, 0);
        if (!takeNext)
        {
            await Postbox.CompleteAsync(lease, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            return null;
        }

        return (await Postbox.CompleteAndTakeAsync(lease, cancellationToken: CancellationToken.None).ConfigureAwait(false)).Next;
    }

    private static IPostbox Open(IPostboxes postboxes) => postboxes.Open(Name, new DeliveryPacing { Lease = TimeSpan.FromSeconds(60) });

    [LoggerMessage(Level = LogLevel.Error, Message = "An update in the Telegram inbox cannot be decrypted (was Transcripts:EncryptionKey changed?); it is dropped")]
    private static partial void LogUnreadable(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Update {UpdateId} could not be handled; it stays in the inbox and is tried again")]
    private static partial void LogUpdateFailed(ILogger logger, Exception exception, int updateId);
}
