using Microsoft.Bot.Schema;
using Newtonsoft.Json.Linq;
using global::Telegram.Bot.Types;
using global::Telegram.Bot.Types.Enums;

namespace SafetyBot.Channels.Telegram;

/// <summary>Turns a Telegram update into a Bot Builder activity. Media is reduced to "something was sent".</summary>
public static class TelegramUpdateMapper
{
    public const string ChannelId = "telegram";

    /// <summary>The activity for an update, or null for updates SafetyBot does not handle (edits, groups, channels).</summary>
    public static Activity? ToActivity(Update update, string botId)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (update.Message is { Chat.Type: ChatType.Private } message)
        {
            var activity = Base(message.Chat.Id, message.From, botId, message.Date, message.Id);
            var (text, startPayload) = NormaliseText(message.Text);
            activity.Text = text;
            if (startPayload is { } payload)
            {
                // Deep links: "/start uk" preselects the language, "/start p_<partner>" names the embedding platform.
                if (payload.StartsWith("p_", StringComparison.Ordinal) && payload.Length <= 40)
                {
                    activity.ChannelData = new JObject { ["partner"] = payload[2..] };
                }
                else if (payload.Length is >= 2 and <= 10 && payload.All(c => char.IsAsciiLetter(c) || c == '-'))
                {
                    activity.ChannelData = new JObject { ["chooseLanguage"] = payload.ToLowerInvariant() };
                }
            }

            if (HasMedia(message))
            {
                // Never downloaded, never stored: the bot only learns that a file, place or contact was sent.
                activity.Attachments = [new Attachment { ContentType = "application/octet-stream" }];
                activity.Text = null;
            }

            return activity;
        }

        if (update.CallbackQuery is { Message.Chat.Type: ChatType.Private } query)
        {
            var activity = Base(query.Message.Chat.Id, query.From, botId, DateTime.UtcNow, null);
            activity.Value = TelegramCallbackData.Decode(query.Data);
            activity.ChannelData = new JObject { ["callbackQueryId"] = query.Id };
            return activity;
        }

        return null;
    }

    private static Activity Base(long chatId, User? from, string botId, DateTime date, int? messageId) => new()
    {
        Type = ActivityTypes.Message,
        Id = messageId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Guid.NewGuid().ToString("N"),
        ChannelId = ChannelId,
        Timestamp = new DateTimeOffset(DateTime.SpecifyKind(date, DateTimeKind.Utc)),
        Conversation = new ConversationAccount { Id = chatId.ToString(System.Globalization.CultureInfo.InvariantCulture), ConversationType = "personal" },
        From = new ChannelAccount { Id = (from?.Id ?? chatId).ToString(System.Globalization.CultureInfo.InvariantCulture), Role = RoleTypes.User },
        Recipient = new ChannelAccount { Id = botId, Role = RoleTypes.Bot },
        Locale = from?.LanguageCode,
    };

    private static (string? Text, string? StartPayload) NormaliseText(string? text)
    {
        if (text is null || !text.StartsWith('/'))
        {
            return (text, null);
        }

        // "/start@SafetyBot uk" → "/start" with payload "uk".
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        var command = space < 0 ? text : text[..space];
        var at = command.IndexOf('@', StringComparison.Ordinal);
        if (at > 0)
        {
            command = command[..at];
        }

        var payload = space < 0 ? null : text[(space + 1)..].Trim();
        return command == "/start" ? (command, string.IsNullOrEmpty(payload) ? null : payload) : (command, null);
    }

    private static bool HasMedia(Message message) =>
        message.Photo is not null || message.Video is not null || message.Document is not null || message.Voice is not null
        || message.Audio is not null || message.Sticker is not null || message.Location is not null || message.Contact is not null
        || message.VideoNote is not null || message.Animation is not null || message.Venue is not null;
}
