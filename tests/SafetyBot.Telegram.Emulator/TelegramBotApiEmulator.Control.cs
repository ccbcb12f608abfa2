using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;

namespace SafetyBot.Telegram.Emulator;

// Fault injection, rate limits, the clock, and inspection of what the bot did.
public sealed partial class TelegramBotApiEmulator
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(10);

    /// <summary>Every request answered so far, in the order answered.</summary>
    public IReadOnlyList<RecordedCall> Calls => _calls.ToArray();

    /// <summary>Requests the emulator itself failed on (answered 500). A healthy run leaves this empty.</summary>
    public IReadOnlyList<Exception> UnexpectedErrors => _unexpectedErrors.ToArray();

    /// <summary>Updates not yet confirmed by getUpdates' offset or accepted by the webhook.</summary>
    public int PendingUpdateCount => _updates.Count;

    /// <summary>True while a getUpdates request is being held open by the emulator (a long poll in progress).</summary>
    public bool IsPolling => Volatile.Read(ref _activePoll) is not null;

    public IReadOnlyList<RecordedCall> CallsTo(string method) =>
        _calls.Where(call => call.Method.Equals(method, StringComparison.OrdinalIgnoreCase)).ToArray();

    public bool WasCalled(string method) =>
        _calls.Any(call => call.Method.Equals(method, StringComparison.OrdinalIgnoreCase));

    /// <summary>The bot's messages still present in the chat, oldest first.</summary>
    public IReadOnlyList<BotMessage> MessagesTo(long chatId)
    {
        if (!_chats.TryGetValue(chatId, out var chat))
        {
            return [];
        }

        return chat.Messages.Values
            .Where(message => message.FromBot)
            .OrderBy(message => message.MessageId)
            .Select(message => new BotMessage(
                message.ChatId,
                message.MessageId,
                message.Text ?? string.Empty,
                message.SentText ?? string.Empty,
                message.ParseMode,
                message.Keyboard,
                message.Date,
                message.EditDate))
            .ToArray();
    }

    /// <summary>Ids of every message still present in the chat, the user's and the bot's, oldest first.</summary>
    public IReadOnlyList<int> MessageIdsIn(long chatId) =>
        _chats.TryGetValue(chatId, out var chat) ? chat.Messages.Keys.Order().ToArray() : [];

    /// <summary>Messages removed from the chat, in the order they were deleted.</summary>
    public IReadOnlyList<DeletedMessage> DeletedMessages(long chatId) =>
        _chats.TryGetValue(chatId, out var chat) ? chat.Deleted.ToArray() : [];

    public IReadOnlyList<RecordedChatAction> ChatActions(long chatId) =>
        _chats.TryGetValue(chatId, out var chat) ? chat.Actions.ToArray() : [];

    public IReadOnlyList<CallbackQueryRecord> CallbackQueries =>
        _callbacks.Values.OrderBy(query => query.Sequence).Select(query => query.ToRecord()).ToArray();

    /// <summary>Callback queries the bot has not answered; Telegram expects every one to be answered.</summary>
    public IReadOnlyList<CallbackQueryRecord> UnansweredCallbackQueries =>
        CallbackQueries.Where(query => !query.Answered).ToArray();

    /// <summary>The commands set for a language ("" or null: the default list) and scope key
    /// (<c>default</c>, <c>all_private_chats</c>, <c>chat:{id}</c>, <c>chat_member:{chat}:{user}</c>, ...).</summary>
    public IReadOnlyList<RegisteredCommand> Commands(string? languageCode = null, string scope = "default") =>
        _commands.TryGetValue(CommandKey(scope, languageCode), out var commands) ? commands : [];

    public IReadOnlyList<WebhookDelivery> WebhookDeliveries => _webhookDeliveries.ToArray();

    /// <summary>Moves the default <see cref="EmulatorClock"/> forward.</summary>
    /// <exception cref="InvalidOperationException">The test supplied its own clock; move that one.</exception>
    public void AdvanceClock(TimeSpan by)
    {
        if (Clock is not EmulatorClock clock)
        {
            throw new InvalidOperationException("This emulator runs on a clock the test supplied; advance that clock instead.");
        }

        clock.Advance(by);
    }

    /// <summary>
    /// Makes the next <paramref name="count"/> calls of <paramref name="method"/> fail with <paramref name="statusCode"/>
    /// before doing anything. 429 answers carry <c>parameters.retry_after</c> (default 1 s) and
    /// "Too Many Requests: retry after N", as Telegram's do. Faults queue up behind earlier ones.
    /// </summary>
    public void FailNext(string method, int count, int statusCode, int? retryAfterSeconds = null, string? description = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        if (retryAfterSeconds is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(retryAfterSeconds));
        }

        var retryAfter = statusCode == 429 ? retryAfterSeconds ?? 1 : retryAfterSeconds;
        description ??= statusCode switch
        {
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden: bot was blocked by the user",
            404 => "Not Found",
            409 => "Conflict",
            429 => "Too Many Requests: retry after " + retryAfter!.Value.ToString(CultureInfo.InvariantCulture),
            _ => ReasonPhrases.GetReasonPhrase(statusCode) is { Length: > 0 } phrase ? phrase : "Error",
        };
        var queue = _faults.GetOrAdd(method, static _ => new Queue<InjectedFault>());
        lock (queue)
        {
            queue.Enqueue(new InjectedFault(count, new ApiError(statusCode, description, retryAfter)));
        }
    }

    /// <summary>Forgets the faults still queued for <paramref name="method"/>.</summary>
    public void ClearFaults(string method)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        _faults.TryRemove(method, out _);
    }

    /// <summary>Holds every call of <paramref name="method"/> for <paramref name="delay"/> before answering; <see cref="TimeSpan.Zero"/> removes the delay.</summary>
    public void Delay(string method, TimeSpan delay)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        if (delay == TimeSpan.Zero)
        {
            _delays.TryRemove(method, out _);
        }
        else
        {
            _delays[method] = delay;
        }
    }

    /// <summary>Telegram's flood control for sendMessage: beyond the limits the answer is 429 with the seconds to wait. Off by default.</summary>
    public void EnforceLimits(int perChatPerSecond = 1, int globalPerSecond = 30)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perChatPerSecond, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(globalPerSecond, 1);
        _limiter = new RateLimiter(perChatPerSecond, globalPerSecond);
    }

    public void DisableLimits() => _limiter = null;

    /// <summary>Waits until <paramref name="condition"/> holds, re-checking whenever the emulator's state changes.</summary>
    /// <exception cref="TimeoutException">The condition did not hold in time (default 10 s).</exception>
    public async Task WaitUntilAsync(Func<bool> condition, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token);
        deadline.CancelAfter(timeout ?? DefaultWait);
        while (true)
        {
            var changed = _changed.Next();
            if (condition())
            {
                return;
            }

            // The periodic re-check also covers changes that do not pulse (a test's own clock).
            await Task.WhenAny(changed, Task.Delay(50, deadline.Token));
            if (deadline.IsCancellationRequested)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (condition())
                {
                    return;
                }

                throw new TimeoutException($"The emulator's state did not reach the awaited condition within {timeout ?? DefaultWait}.");
            }
        }
    }

    /// <summary>Waits for the first recorded call of <paramref name="method"/> that matches.</summary>
    public async Task<RecordedCall> WaitForCallAsync(
        string method,
        Func<RecordedCall, bool>? predicate = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        RecordedCall? found = null;
        await WaitUntilAsync(
            () => (found = CallsTo(method).FirstOrDefault(call => predicate?.Invoke(call) ?? true)) is not null,
            timeout,
            cancellationToken);
        return found!;
    }

    /// <summary>Waits until a bot message in the chat matches (any message when no predicate).</summary>
    public async Task<BotMessage> WaitForMessageAsync(
        long chatId,
        Func<BotMessage, bool>? predicate = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        BotMessage? found = null;
        await WaitUntilAsync(
            () => (found = MessagesTo(chatId).FirstOrDefault(message => predicate?.Invoke(message) ?? true)) is not null,
            timeout,
            cancellationToken);
        return found!;
    }

    private void ThrowIfFaultInjected(string method)
    {
        if (!_faults.TryGetValue(method, out var queue))
        {
            return;
        }

        lock (queue)
        {
            if (queue.Count == 0)
            {
                return;
            }

            var fault = queue.Peek();
            if (--fault.Remaining == 0)
            {
                queue.Dequeue();
            }

            throw new ApiError(fault.Error.StatusCode, fault.Error.Description, fault.Error.RetryAfter);
        }
    }

    private sealed class InjectedFault(int count, ApiError error)
    {
        public int Remaining { get; set; } = count;

        public ApiError Error { get; } = error;
    }
}
