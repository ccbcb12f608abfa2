using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
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
public sealed partial class TelegramInbox : BackgroundService
{
    public const string Name = "telegram-in";
    private static readonly TimeSpan IdleWait = TimeSpan.FromSeconds(2);
    private readonly TelegramPollingService _handler;
    private readonly ITelegramBotClient _client;
    private readonly TranscriptCipher _cipher;
    private readonly IOptions<TelegramOptions> _options;
    private readonly ILogger<TelegramInbox> _logger;
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);

    public TelegramInbox(IPostboxes postboxes, TelegramPollingService handler, ITelegramBotClient client, TranscriptCipher cipher,
        IOptions<TelegramOptions> options, ILogger<TelegramInbox> logger)
    {
        ArgumentNullException.ThrowIfNull(postboxes);
        Postbox = postboxes.Open(Name, new DeliveryPacing { Lease = TimeSpan.FromSeconds(60) });
        _handler = handler;
        _client = client;
        _cipher = cipher;
        _options = options;
        _logger = logger;
    }

    public IPostbox Postbox { get; }

    /// <summary>Keeps the update until its turn has run; an update id already accepted (here or elsewhere) is ignored.</summary>
    public Task<bool> AcceptAsync(Update update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        var chat = update.Message?.Chat.Id ?? update.CallbackQuery?.Message?.Chat.Id ?? update.CallbackQuery?.From.Id ?? 0;
        var sealedUpdate = _cipher.Seal(Name, JsonSerializer.SerializeToUtf8Bytes(update, JsonBotAPI.Options));
        // Words in crisis jump the inbox, as their reply jumps the outbox.
        return Postbox.AddAsync("telegram/" + chat.ToString(CultureInfo.InvariantCulture), [new DeliveryItem(DeliveryItem.NewId(), _handler.IsCrisis(update), sealedUpdate)],
            TelegramOutbox.Receipt(_client.BotId, update.Id), cancellationToken: cancellationToken);
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var workers = _options.Value.MaxConcurrentChats;
        Postbox.Added += Wake;
        stoppingToken.Register(() => Postbox.Added -= Wake);
        return Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkAsync(stoppingToken), CancellationToken.None)));

        void Wake()
        {
            try
            {
                _wake.Release();
            }
            catch (ObjectDisposedException)
            {
                // stopping
            }
        }
    }

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var take = await Postbox.TakeAsync(stoppingToken).ConfigureAwait(false);
                if (take.Lease is not { } lease)
                {
                    await _wake.WaitAsync(take.NextIn is { } next && next < IdleWait ? next : IdleWait, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                Update? update;
                try
                {
                    update = JsonSerializer.Deserialize<Update>(_cipher.Open(Name, lease.Item.Payload), JsonBotAPI.Options);
                }
                catch (Exception ex) when (ex is CryptographicException or JsonException)
                {
                    LogUnreadable(_logger);
                    update = null;
                }

                if (update is not null)
                {
                    try
                    {
                        // Finished even while the host stops: its replies and its receipt go together.
                        await _handler.HandleOnceAsync(update, CancellationToken.None).ConfigureAwait(false);
                    }
#pragma warning disable CA1031 // The update stays in the inbox and is tried again.
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        failures++;
                        LogUpdateFailed(_logger, ex, update.Id);
                        await Postbox.RetryAsync(lease, TimeSpan.FromMilliseconds(Math.Min(30_000, 250 * Math.Pow(2, Math.Min(failures, 8)))), CancellationToken.None).ConfigureAwait(false);
                        continue;
                    }
                }

                failures = 0;
                await Postbox.CompleteAsync(lease, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Storage away: the updates wait in the inbox.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogInboxFailed(_logger, ex);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "An update in the Telegram inbox cannot be decrypted (was Transcripts:EncryptionKey changed?); it is dropped")]
    private static partial void LogUnreadable(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Update {UpdateId} could not be handled; it stays in the inbox and is tried again")]
    private static partial void LogUpdateFailed(ILogger logger, Exception exception, int updateId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The Telegram inbox is not reachable; updates are handled when it is")]
    private static partial void LogInboxFailed(ILogger logger, Exception exception);
}
