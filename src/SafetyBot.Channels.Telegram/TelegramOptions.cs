using System.ComponentModel.DataAnnotations;

namespace SafetyBot.Channels.Telegram;

public enum TelegramMode
{
    Polling,
    Webhook,
}

public sealed class TelegramOptions
{
    public const string SectionName = "Telegram";

    /// <summary>The bot token from BotFather. Empty: the Telegram channel is off.</summary>
    public string? BotToken { get; set; }

    public TelegramMode Mode { get; set; } = TelegramMode.Polling;

    /// <summary>Public HTTPS address of this host's webhook endpoint (<c>…/api/telegram/webhook</c>), for Mode=Webhook.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>Secret Telegram sends back in X-Telegram-Bot-Api-Secret-Token: 16–256 of A–Z, a–z, 0–9, _ and -.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>A local Bot API server or a test emulator; empty: Telegram's own.</summary>
    public string? ApiBaseUrl { get; set; }

    /// <summary>Long-poll time-out of getUpdates.</summary>
    [Range(0, 50, ErrorMessage = "Telegram:PollingTimeoutSeconds must be between 0 and 50.")]
    public int PollingTimeoutSeconds { get; set; } = 25;

    /// <summary>How many chats of one getUpdates batch are handled at the same time.</summary>
    [Range(1, 1000, ErrorMessage = "Telegram:MaxConcurrentChats must be between 1 and 1000.")]
    public int MaxConcurrentChats { get; set; } = 32;

    /// <summary>Keep to Telegram's limits (about one message a second per chat, MessagesPerSecond overall, over every host sharing Redis).</summary>
    public bool PaceMessages { get; set; } = true;

    [Range(1, 1000, ErrorMessage = "Telegram:MessagesPerSecond must be between 1 and 1000.")]
    public int MessagesPerSecond { get; set; } = 30;

    /// <summary>How many messages this host sends at the same time (each chat's still go one after another).</summary>
    [Range(1, 256, ErrorMessage = "Telegram:MaxConcurrentSends must be between 1 and 256.")]
    public int MaxConcurrentSends { get; set; } = 8;

    /// <summary>How long a message being sent is held by its host; if the host stops, another sends it after this.</summary>
    [Range(2, 300, ErrorMessage = "Telegram:SendLeaseSeconds must be between 2 and 300.")]
    public int SendLeaseSeconds { get; set; } = 30;

    /// <summary>Before taking the first update, run a few made-up turns in a private copy of the pipeline, so the first people to write are not kept waiting while the code is compiled.</summary>
    public bool RehearseAtStart { get; set; } = true;
}
