using System.Text.Json;

namespace SafetyBot.Bench.Load;

/// <summary>The few fields of an activity the driver matches on.</summary>
internal readonly record struct ActivityInfo(bool IsMessage, bool FromBot, string? ReplyToId, string? ClientActivityId);

internal interface IActivitySink
{
    void OnActivity(in ActivityInfo activity, long receivedAt);
}

/// <summary>
/// Reads a WebSocket frame with <see cref="Utf8JsonReader"/> (no document, strings only for the ids it
/// needs). A Direct Line frame is <c>{"activities":[…],"watermark":"n"}</c>; an echo frame is the activity itself.
/// </summary>
internal static class FrameScanner
{
    public static void Scan(ReadOnlySpan<byte> frame, IActivitySink sink, long receivedAt)
    {
        var reader = new Utf8JsonReader(frame, new JsonReaderOptions { MaxDepth = 64 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A frame is not a JSON object.");
        }

        var root = default(Fields);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("activities"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        reader.Skip();
                        continue;
                    }

                    var activity = default(Fields);
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        ReadProperty(ref reader, ref activity);
                    }

                    sink.OnActivity(activity.ToInfo(), receivedAt);
                }
            }
            else
            {
                ReadProperty(ref reader, ref root);
            }
        }

        if (root.HasType)
        {
            sink.OnActivity(root.ToInfo(), receivedAt);
        }
    }

    private static void ReadProperty(ref Utf8JsonReader reader, ref Fields fields)
    {
        if (reader.ValueTextEquals("type"u8))
        {
            reader.Read();
            fields.HasType = true;
            fields.IsMessage = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("message"u8);
        }
        else if (reader.ValueTextEquals("replyToId"u8))
        {
            reader.Read();
            fields.ReplyToId = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        }
        else if (reader.ValueTextEquals("from"u8))
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                return;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isRole = reader.ValueTextEquals("role"u8);
                reader.Read();
                if (isRole)
                {
                    fields.FromBot = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("bot"u8);
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        else if (reader.ValueTextEquals("channelData"u8))
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                return;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isClientId = reader.ValueTextEquals("clientActivityID"u8);
                reader.Read();
                if (isClientId && reader.TokenType == JsonTokenType.String)
                {
                    fields.ClientActivityId = reader.GetString();
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        else
        {
            reader.Read();
            reader.Skip();
        }
    }

    private struct Fields
    {
        public bool HasType;
        public bool IsMessage;
        public bool FromBot;
        public string? ReplyToId;
        public string? ClientActivityId;

        public readonly ActivityInfo ToInfo() => new(IsMessage, FromBot, ReplyToId, ClientActivityId);
    }
}
