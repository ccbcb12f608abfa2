using Microsoft.Extensions.Logging;

namespace SafetyBot.Telegram.Emulator;

/// <summary>Settings of one emulator instance; the defaults suit unit tests.</summary>
public sealed record TelegramBotApiEmulatorOptions
{
    /// <summary>The bot's <c>first_name</c> in getMe and in every message the bot sends.</summary>
    public string BotFirstName { get; init; } = "SafetyBot";

    /// <summary>The bot's <c>username</c>, without the @.</summary>
    public string BotUsername { get; init; } = "safetybot_test_bot";

    /// <summary>
    /// The emulator's clock: message dates, the 48-hour deletion window and rate windows.
    /// Null means a fresh <see cref="EmulatorClock"/> (real time, advanceable).
    /// </summary>
    public TimeProvider? Clock { get; init; }

    /// <summary>Keep every request in <see cref="TelegramBotApiEmulator.Calls"/>. Benchmarks may turn it off.</summary>
    public bool RecordCalls { get; init; } = true;

    /// <summary>How long one webhook delivery may take before it counts as failed and is retried.</summary>
    public TimeSpan WebhookTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Wait before the first webhook retry; doubles on each further failure.</summary>
    public TimeSpan WebhookRetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Upper bound of the webhook retry back-off.</summary>
    public TimeSpan WebhookMaxRetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Optional logging for the emulator's Kestrel host; nothing is logged when null.</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }
}
