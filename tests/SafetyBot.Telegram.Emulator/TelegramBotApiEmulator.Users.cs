using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;

namespace SafetyBot.Telegram.Emulator;

// Simulated users: private chats, and the updates their actions cause.
public sealed partial class TelegramBotApiEmulator
{
    private readonly ConcurrentDictionary<long, ChatState> _chats = new();
    private readonly ConcurrentDictionary<string, CallbackState> _callbacks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, EmulatedFile> _files = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, EmulatedFile> _filesByPath = new(StringComparer.Ordinal);

    // Recent Telegram user ids exceed 32 bits; starting there catches ids squeezed into an int.
    private long _lastChatId = 7_100_000_000;
    private long _lastCallbackSequence;
    private long _lastFileSequence;

    /// <summary>Opens a private chat with a new user; the chat id is the user id.</summary>
    /// <param name="languageCode">The user's Telegram language_code; null when Telegram does not send one.</param>
    public long NewChat(string firstName = "Alex", string? languageCode = "en")
    {
        ArgumentException.ThrowIfNullOrEmpty(firstName);
        var chatId = Interlocked.Increment(ref _lastChatId);
        _chats[chatId] = new ChatState(chatId, firstName, languageCode);
        return chatId;
    }

    /// <summary>The user blocks (or unblocks) the bot: sends then fail with 403 "Forbidden: bot was blocked by the user".</summary>
    public void BlockBot(long chatId, bool blocked = true) => ChatForPost(chatId).BotBlocked = blocked;

    /// <summary>The user types a message; Telegram's entities (commands, links, e-mails, mentions, hashtags) are attached.</summary>
    public PostedUpdate PostText(long chatId, string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        return PostMessage(chatId, text, message =>
        {
            message["text"] = text;
            if (Entities.Detect(text) is { } entities)
            {
                message["entities"] = entities;
            }
        });
    }

    /// <summary>The user sends a command such as <c>/start uk</c>; the message carries a bot_command entity.</summary>
    public PostedUpdate PostCommand(long chatId, string command)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        if (command[0] != '/')
        {
            throw new ArgumentException("A command starts with '/'.", nameof(command));
        }

        return PostText(chatId, command);
    }

    /// <summary>The user edits one of their messages (an edited_message update).</summary>
    public PostedUpdate PostEditedText(long chatId, int messageId, string newText)
    {
        ArgumentException.ThrowIfNullOrEmpty(newText);
        var chat = ChatForPost(chatId);
        if (!chat.Messages.TryGetValue(messageId, out var original) || original.FromBot)
        {
            throw new InvalidOperationException($"The user has no message {messageId} in chat {chatId} to edit.");
        }

        var message = MessageBase(chat, messageId, original.Date, fromBot: false);
        message["edit_date"] = Now.ToUnixTimeSeconds();
        message["text"] = newText;
        if (Entities.Detect(newText) is { } entities)
        {
            message["entities"] = entities;
        }

        var json = message.ToJsonString(JsonOptions);
        chat.Messages[messageId] = original with { Text = newText, SentText = newText, Json = json, EditDate = Now };
        return Post("edited_message", chat, messageId, null, "{\"edited_message\":" + json + "}");
    }

    /// <summary>The user presses an inline button on a bot message (a callback_query with a fresh id).</summary>
    /// <remarks>The data is not checked against the message's buttons, so tests can send forged or stale data.</remarks>
    public PostedUpdate PostCallback(long chatId, long messageId, string data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var chat = ChatForPost(chatId);
        if (messageId is < 1 or > int.MaxValue
            || !chat.Messages.TryGetValue((int)messageId, out var message)
            || !message.FromBot)
        {
            throw new InvalidOperationException($"Chat {chatId} has no bot message {messageId} to press a button on.");
        }

        var sequence = Interlocked.Increment(ref _lastCallbackSequence);
        var id = (4_300_000_000_000_000_000L + (chatId % 1_000_000_000) * 1_000_000 + sequence).ToString(CultureInfo.InvariantCulture);
        _callbacks[id] = new CallbackState(id, chatId, message.MessageId, data, Now, sequence);
        var query = new JsonObject
        {
            ["id"] = id,
            ["from"] = UserObject(chat),
            ["message"] = JsonNode.Parse(message.Json),
            ["chat_instance"] = chat.ChatInstance,
            ["data"] = data,
        };
        return Post("callback_query", chat, message.MessageId, id, "{\"callback_query\":" + query.ToJsonString(JsonOptions) + "}");
    }

    /// <summary>The user sends a photo: three sizes, as Telegram delivers them.</summary>
    public PostedUpdate PostPhoto(long chatId, string? caption = null) => PostMessage(chatId, caption, message =>
    {
        var sizes = new JsonArray();
        foreach (var (width, height, size) in new[] { (90, 67, 1_254), (320, 240, 14_872), (1280, 960, 131_072) })
        {
            var file = NewFile("photos", ".jpg", size);
            sizes.Add(new JsonObject
            {
                ["file_id"] = file.FileId,
                ["file_unique_id"] = file.FileUniqueId,
                ["file_size"] = size,
                ["width"] = width,
                ["height"] = height,
            });
        }

        message["photo"] = sizes;
        AddCaption(message, caption);
    });

    public PostedUpdate PostDocument(long chatId, string fileName = "document.pdf", string mimeType = "application/pdf", string? caption = null) =>
        PostMessage(chatId, caption, message =>
        {
            var file = NewFile("documents", Path.GetExtension(fileName), 48_213);
            message["document"] = new JsonObject
            {
                ["file_name"] = fileName,
                ["mime_type"] = mimeType,
                ["file_id"] = file.FileId,
                ["file_unique_id"] = file.FileUniqueId,
                ["file_size"] = file.Size,
            };
            AddCaption(message, caption);
        });

    public PostedUpdate PostVoice(long chatId, int durationSeconds = 3) => PostMessage(chatId, null, message =>
    {
        var file = NewFile("voice", ".oga", 6_000 * Math.Max(1, durationSeconds));
        message["voice"] = new JsonObject
        {
            ["duration"] = durationSeconds,
            ["mime_type"] = "audio/ogg",
            ["file_id"] = file.FileId,
            ["file_unique_id"] = file.FileUniqueId,
            ["file_size"] = file.Size,
        };
    });

    public PostedUpdate PostSticker(long chatId, string emoji = "🙂") => PostMessage(chatId, null, message =>
    {
        var file = NewFile("stickers", ".webp", 21_406);
        message["sticker"] = new JsonObject
        {
            ["width"] = 512,
            ["height"] = 512,
            ["emoji"] = emoji,
            ["set_name"] = "EmulatorStickers",
            ["is_animated"] = false,
            ["is_video"] = false,
            ["type"] = "regular",
            ["file_id"] = file.FileId,
            ["file_unique_id"] = file.FileUniqueId,
            ["file_size"] = file.Size,
        };
    });

    public PostedUpdate PostLocation(long chatId, double latitude = 50.4501, double longitude = 30.5234) =>
        PostMessage(chatId, null, message => message["location"] = new JsonObject
        {
            ["latitude"] = latitude,
            ["longitude"] = longitude,
        });

    /// <summary>The user shares a contact (by default not their own: no user_id).</summary>
    public PostedUpdate PostContact(long chatId, string phoneNumber = "+15555550123", string firstName = "Sam", long? userId = null) =>
        PostMessage(chatId, null, message =>
        {
            var contact = new JsonObject
            {
                ["phone_number"] = phoneNumber,
                ["first_name"] = firstName,
            };
            if (userId is { } id)
            {
                contact["user_id"] = id;
            }

            message["contact"] = contact;
        });

    private PostedUpdate PostMessage(long chatId, string? text, Action<JsonObject> addContent)
    {
        var chat = ChatForPost(chatId);
        var messageId = chat.NextMessageId();
        var date = Now;
        var message = MessageBase(chat, messageId, date, fromBot: false);
        addContent(message);
        var json = message.ToJsonString(JsonOptions);
        chat.Messages[messageId] = new StoredMessage(chatId, messageId, false, date, text, text, null, null, [], null, json);
        return Post("message", chat, messageId, null, "{\"message\":" + json + "}");
    }

    private PostedUpdate Post(string type, ChatState chat, int? messageId, string? callbackQueryId, string body)
    {
        var (updateId, json) = _updates.Add(type, chat.ChatId, body);
        _changed.Pulse();
        return new PostedUpdate(updateId, type, chat.ChatId, messageId, callbackQueryId, json, updateId != 0);
    }

    private static void AddCaption(JsonObject message, string? caption)
    {
        if (caption is null)
        {
            return;
        }

        message["caption"] = caption;
        if (Entities.Detect(caption) is { } entities)
        {
            message["caption_entities"] = entities;
        }
    }

    private ChatState ChatForPost(long chatId) =>
        _chats.TryGetValue(chatId, out var chat)
            ? chat
            : throw new InvalidOperationException($"Chat {chatId} does not exist; open it with NewChat first.");

    private EmulatedFile NewFile(string folder, string extension, long size)
    {
        var sequence = Interlocked.Increment(ref _lastFileSequence);
        Span<byte> idBytes = stackalloc byte[24];
        Span<byte> uniqueBytes = stackalloc byte[9];
        Random.Shared.NextBytes(idBytes);
        BitConverter.TryWriteBytes(idBytes, sequence);
        BitConverter.TryWriteBytes(uniqueBytes, sequence);
        var file = new EmulatedFile(
            "AgAC" + Base64Url.EncodeToString(idBytes),
            "AQAD" + Base64Url.EncodeToString(uniqueBytes),
            size,
            $"{folder}/file_{sequence.ToString(CultureInfo.InvariantCulture)}{extension}");
        _files[file.FileId] = file;
        _filesByPath[file.Path] = file;
        return file;
    }

    private sealed record EmulatedFile(string FileId, string FileUniqueId, long Size, string Path);
}
