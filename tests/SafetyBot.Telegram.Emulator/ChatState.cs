using System.Collections.Concurrent;

namespace SafetyBot.Telegram.Emulator;

/// <summary>A message in a chat, in its current version (edits replace the record).</summary>
internal sealed record StoredMessage(
    long ChatId,
    int MessageId,
    bool FromBot,
    DateTimeOffset Date,
    string? Text,
    string? SentText,
    string? ParseMode,
    string? InlineMarkupJson,
    IReadOnlyList<IReadOnlyList<InlineButton>> Keyboard,
    DateTimeOffset? EditDate,
    string Json);

/// <summary>
/// Everything the emulator knows about one private chat. Each chat owns its state so that
/// concurrent traffic in different chats never contends on a shared lock.
/// </summary>
internal sealed class ChatState(long chatId, string firstName, string? languageCode)
{
    private int _lastMessageId;

    public long ChatId { get; } = chatId;

    public string FirstName { get; } = firstName;

    public string? LanguageCode { get; } = languageCode;

    /// <summary>Telegram's chat_instance: a stable opaque id for callback queries from this chat.</summary>
    public string ChatInstance { get; } = (chatId * 7919 + 104729).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Messages still present, by id; the user's and the bot's share one id sequence, as in Telegram.</summary>
    public ConcurrentDictionary<int, StoredMessage> Messages { get; } = new();

    public ConcurrentQueue<DeletedMessage> Deleted { get; } = new();

    public ConcurrentQueue<RecordedChatAction> Actions { get; } = new();

    /// <summary>Send times inside the current rate window; used only while limits are enforced, under the limiter's lock.</summary>
    public Queue<DateTimeOffset> RecentSends { get; } = new();

    public volatile bool BotBlocked;

    public int NextMessageId() => Interlocked.Increment(ref _lastMessageId);
}

internal sealed class CallbackState(string id, long chatId, int messageId, string data, DateTimeOffset postedAt, long sequence)
{
    private readonly Lock _gate = new();
    private bool _answered;
    private string? _answerText;
    private bool _showAlert;

    public string Id { get; } = id;

    public long ChatId { get; } = chatId;

    public int MessageId { get; } = messageId;

    public string Data { get; } = data;

    public DateTimeOffset PostedAt { get; } = postedAt;

    public long Sequence { get; } = sequence;

    public bool Answered
    {
        get
        {
            lock (_gate)
            {
                return _answered;
            }
        }
    }

    /// <summary>The first answer wins; Telegram refuses a second one like an unknown id.</summary>
    public bool TryAnswer(string? text, bool showAlert)
    {
        lock (_gate)
        {
            if (_answered)
            {
                return false;
            }

            (_answered, _answerText, _showAlert) = (true, text, showAlert);
            return true;
        }
    }

    public CallbackQueryRecord ToRecord()
    {
        lock (_gate)
        {
            return new CallbackQueryRecord(Id, ChatId, MessageId, Data, PostedAt, _answered, _answerText, _showAlert);
        }
    }
}

/// <summary>Telegram-like flood control: N sends per chat per second and M overall; a 429 names the wait in whole seconds.</summary>
internal sealed class RateLimiter(int perChatPerSecond, int globalPerSecond)
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);
    private readonly Lock _gate = new();
    private readonly Queue<DateTimeOffset> _recentGlobal = new();

    public int PerChatPerSecond { get; } = perChatPerSecond;

    public int GlobalPerSecond { get; } = globalPerSecond;

    /// <summary>Null when the send may go ahead (and is counted); else the retry_after in seconds.</summary>
    public int? TryAcquire(ChatState chat, DateTimeOffset now)
    {
        lock (_gate)
        {
            Trim(chat.RecentSends, now);
            Trim(_recentGlobal, now);
            var wait = TimeSpan.Zero;
            if (chat.RecentSends.Count >= PerChatPerSecond)
            {
                wait = chat.RecentSends.Peek() + Window - now;
            }

            if (_recentGlobal.Count >= GlobalPerSecond)
            {
                var globalWait = _recentGlobal.Peek() + Window - now;
                wait = globalWait > wait ? globalWait : wait;
            }

            if (wait > TimeSpan.Zero)
            {
                return Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            }

            chat.RecentSends.Enqueue(now);
            _recentGlobal.Enqueue(now);
            return null;
        }
    }

    private static void Trim(Queue<DateTimeOffset> sends, DateTimeOffset now)
    {
        while (sends.Count > 0 && now - sends.Peek() >= Window)
        {
            sends.Dequeue();
        }
    }
}
