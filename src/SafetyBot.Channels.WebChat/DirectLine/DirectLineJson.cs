using Microsoft.Bot.Schema;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SafetyBot.Core.Streams;

namespace SafetyBot.Channels.WebChat.DirectLine;

/// <summary>Activity JSON as Direct Line clients expect it (Bot Framework's camelCase schema, nulls left out).</summary>
public static class DirectLineJson
{
    public const string ChannelId = "directline";
    public const string BotId = "safetybot";
    public const string BotName = "SafetyBot";

    private static readonly JsonSerializerSettings Settings = new()
    {
        NullValueHandling = NullValueHandling.Ignore,
        DateParseHandling = DateParseHandling.None,
        MaxDepth = 32,
        Formatting = Formatting.None,
    };

    private static readonly JsonSerializer Serializer = JsonSerializer.Create(Settings);

    /// <summary>The id an activity gets in a stream: the conversation and its watermark (filled in on append).</summary>
    public static string PendingId(string conversationId) => conversationId + "|" + IActivityStreamStore.WatermarkMarker;

    public static string Serialize(Activity activity)
    {
        // One shared serializer: JsonConvert.SerializeObject would build a new one for every activity.
        using var writer = new StringWriter(new System.Text.StringBuilder(1024), System.Globalization.CultureInfo.InvariantCulture);
        Serializer.Serialize(writer, activity);
        return writer.ToString();
    }

    /// <summary>Parses a client's activity; null when the body is not a JSON object.</summary>
    public static Activity? ParseIncoming(string json)
    {
        using var reader = new JsonTextReader(new StringReader(json)) { MaxDepth = 32, DateParseHandling = DateParseHandling.None };
        var token = JToken.ReadFrom(reader);
        return token is JObject obj ? obj.ToObject<Activity>(Serializer) : null;
    }

    /// <summary>
    /// What SafetyBot keeps of a person's message or event: the text, the button value, the locale and the
    /// client's correlation id — never attachments, and never the client's name for the user.
    /// </summary>
    public static Activity StoredUserActivity(Activity incoming, string conversationId, string userId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        var channelData = new JObject();
        var clientData = incoming.ChannelData as JObject;
        if (clientData is not null)
        {
            foreach (var name in new[] { "clientActivityID", "clientTimestamp" })
            {
                if (clientData[name] is JValue { Type: JTokenType.String } value && ((string?)value)?.Length <= 128)
                {
                    channelData[name] = value;
                }
            }
        }

        if (clientData?["messageBack"]?["displayText"] is JValue { Type: JTokenType.String } displayText && ((string?)displayText)?.Length <= 1024)
        {
            // Web Chat shows a button press by its display text; without it the person's bubble disappears.
            channelData["messageBack"] = new JObject { ["displayText"] = displayText };
        }

        var attachmentCount = incoming.Attachments?.Count ?? 0;
        if (attachmentCount > 0)
        {
            channelData["attachmentsNotStored"] = attachmentCount;
        }

        var isEvent = incoming.Type == ActivityTypes.Event;
        return new Activity
        {
            Type = incoming.Type is ActivityTypes.Event or ActivityTypes.Typing ? incoming.Type : ActivityTypes.Message,
            Name = isEvent && incoming.Name is { Length: <= 64 } eventName ? eventName : null,
            Id = PendingId(conversationId),
            Timestamp = now,
            ChannelId = ChannelId,
            Conversation = new ConversationAccount { Id = conversationId },
            From = new ChannelAccount { Id = userId, Role = RoleTypes.User },
            Recipient = new ChannelAccount { Id = BotId, Name = BotName, Role = RoleTypes.Bot },
            Text = incoming.Text,
            TextFormat = incoming.TextFormat is "plain" or "markdown" ? incoming.TextFormat : null,
            Locale = incoming.Locale is { Length: <= 35 } locale ? locale : null,
            Value = incoming.Value,
            ChannelData = channelData.Count > 0 ? channelData : null,
        };
    }

    /// <summary>A bot activity as sent to the client, trimmed to what Direct Line clients read.</summary>
    public static Activity OutgoingBotActivity(Activity activity, string conversationId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return new Activity
        {
            Type = activity.Type ?? ActivityTypes.Message,
            Id = PendingId(conversationId),
            Timestamp = now,
            ChannelId = ChannelId,
            Conversation = new ConversationAccount { Id = conversationId },
            From = new ChannelAccount { Id = BotId, Name = BotName, Role = RoleTypes.Bot },
            Recipient = activity.Recipient is { Id: { } userId } ? new ChannelAccount { Id = userId, Role = RoleTypes.User } : null,
            Text = activity.Text,
            TextFormat = activity.TextFormat,
            Locale = activity.Locale,
            InputHint = activity.InputHint,
            SuggestedActions = activity.SuggestedActions,
            Attachments = activity.Attachments is { Count: > 0 } ? activity.Attachments : null,
            AttachmentLayout = activity.AttachmentLayout,
            ReplyToId = activity.ReplyToId,
            Name = activity.Name,
            Value = activity.Type == ActivityTypes.Event ? activity.Value : null,
            ChannelData = activity.ChannelData,
        };
    }
}
