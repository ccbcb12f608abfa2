using System.Text.Json.Nodes;

namespace SafetyBot.Telegram.Emulator;

/// <summary>One request the emulator answered: the Bot API method, its parameters, when, and the HTTP status returned.</summary>
/// <remarks>Parameters merge the query string and the body (JSON, form or multipart); JSON-typed form fields are parsed.</remarks>
public sealed record RecordedCall(
    string Method,
    JsonObject Parameters,
    DateTimeOffset Time,
    int StatusCode,
    string? ErrorDescription)
{
    public bool Succeeded => StatusCode == 200;
}

/// <summary>An update a simulated user caused. <see cref="Json"/> is exactly what getUpdates or the webhook delivers.</summary>
/// <remarks><see cref="Queued"/> is false when the bot's allowed_updates excluded it (then <see cref="UpdateId"/> is 0).</remarks>
public sealed record PostedUpdate(
    long UpdateId,
    string Type,
    long ChatId,
    int? MessageId,
    string? CallbackQueryId,
    string Json,
    bool Queued);

/// <summary>A button of an inline keyboard as the bot sent it.</summary>
public sealed record InlineButton(string Text, string? CallbackData, string? Url);

/// <summary>A message the bot sent that is still in the chat, as the user sees it now.</summary>
/// <param name="Text">The text after parse_mode markup was applied (what the user reads).</param>
/// <param name="SentText">The text parameter exactly as the bot sent it.</param>
public sealed record BotMessage(
    long ChatId,
    int MessageId,
    string Text,
    string SentText,
    string? ParseMode,
    IReadOnlyList<IReadOnlyList<InlineButton>> InlineKeyboard,
    DateTimeOffset Date,
    DateTimeOffset? EditDate)
{
    public IEnumerable<InlineButton> Buttons => InlineKeyboard.SelectMany(row => row);
}

/// <summary>A message removed by deleteMessage or deleteMessages.</summary>
public sealed record DeletedMessage(long ChatId, int MessageId, bool SentByBot, DateTimeOffset DeletedAt);

/// <summary>A callback query a simulated user caused, and how the bot answered it.</summary>
public sealed record CallbackQueryRecord(
    string Id,
    long ChatId,
    int MessageId,
    string Data,
    DateTimeOffset PostedAt,
    bool Answered,
    string? AnswerText,
    bool ShowAlert);

/// <summary>A sendChatAction the bot made.</summary>
public sealed record RecordedChatAction(long ChatId, string Action, DateTimeOffset Time);

/// <summary>A command the bot registered with setMyCommands.</summary>
public sealed record RegisteredCommand(string Command, string Description);

/// <summary>One attempt to POST an update to the webhook.</summary>
public sealed record WebhookDelivery(
    long UpdateId,
    long ChatId,
    int Attempt,
    int? StatusCode,
    string? Error,
    DateTimeOffset Time)
{
    public bool Succeeded => Error is null;
}
