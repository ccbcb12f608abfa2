using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace SafetyBot.Channels.Telegram;

/// <summary>
/// Keeps outgoing calls within Telegram's limits: about one a second per chat, and a global rate. A tenth of the
/// global rate (at least one a second) is kept for urgent replies — the crisis response — so they never wait
/// behind other people's ordinary replies, nor for their own chat's one-a-second slot.
/// </summary>
public sealed class TelegramPacer : IDisposable
{
    private const int MaxIdleChats = 10_000;
    private readonly ConcurrentDictionary<long, ChatSlot> _chats = new();
    private readonly TokenBucketRateLimiter? _global;
    private readonly TokenBucketRateLimiter? _urgent;
    private readonly TimeProvider _clock;
    private readonly bool _enabled;

    public TelegramPacer(IOptions<TelegramOptions> options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        _clock = clock;
        _enabled = options.Value.PaceMessages;
        if (_enabled)
        {
            var perSecond = options.Value.MessagesPerSecond;
            var urgent = Math.Max(1, perSecond / 10);
            _global = Bucket(Math.Max(1, perSecond - urgent));
            _urgent = Bucket(urgent);
        }
    }

    private static TokenBucketRateLimiter Bucket(int perSecond) => new(new TokenBucketRateLimiterOptions
    {
        TokenLimit = perSecond,
        TokensPerPeriod = perSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = int.MaxValue,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        AutoReplenishment = true,
    });

    public Task WaitAsync(long chatId, CancellationToken cancellationToken) => WaitAsync(chatId, urgent: false, cancellationToken);

    public async Task WaitAsync(long chatId, bool urgent, CancellationToken cancellationToken)
    {
        if (!_enabled)
        {
            return;
        }

        if (_chats.Count > MaxIdleChats)
        {
            Forget(_clock.GetUtcNow());
        }

        var slot = _chats.GetOrAdd(chatId, _ => new ChatSlot());
        TimeSpan wait;
        lock (slot)
        {
            var now = _clock.GetUtcNow();
            var at = slot.Next > now ? slot.Next : now;
            slot.Next = at + TimeSpan.FromSeconds(1);
            wait = urgent ? TimeSpan.Zero : at - now;
        }

        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _clock, cancellationToken).ConfigureAwait(false);
        }

        using var lease = await (urgent ? _urgent! : _global!).AcquireAsync(1, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _global?.Dispose();
        _urgent?.Dispose();
    }

    // Chats whose next slot has passed impose no wait, so forgetting them keeps memory flat as chats come and go.
    private void Forget(DateTimeOffset now)
    {
        foreach (var (chatId, slot) in _chats)
        {
            if (slot.Next < now)
            {
                _chats.TryRemove(new KeyValuePair<long, ChatSlot>(chatId, slot));
            }
        }
    }

    private sealed class ChatSlot
    {
        public DateTimeOffset Next { get; set; }
    }
}
