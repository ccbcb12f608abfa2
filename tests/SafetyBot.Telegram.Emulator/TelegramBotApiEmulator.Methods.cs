using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SafetyBot.Telegram.Emulator;

// The Bot API methods the emulator answers. Error descriptions are Telegram's own where SafetyBot may meet them.
public sealed partial class TelegramBotApiEmulator
{
    private const int MaxTextLength = 4096;
    private static readonly TimeSpan DeleteWindow = TimeSpan.FromHours(48);

    private static readonly HashSet<string> ChatActionNames = new(StringComparer.Ordinal)
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
    };

    private static readonly Dictionary<string, (string Name, MethodHandler Handler)> Handlers = BuildHandlers();

    private readonly HttpClient _webhookHttp;
    private readonly SemaphoreSlim _webhookGate = new(1, 1);
    private readonly ConcurrentQueue<WebhookDelivery> _webhookDeliveries = new();
    private readonly ConcurrentDictionary<string, IReadOnlyList<RegisteredCommand>> _commands = new(StringComparer.Ordinal);
    private readonly UpdateStore _updates = new();
    private volatile WebhookDispatcher? _webhook;
    private PollRegistration? _activePoll;

    private delegate ValueTask<ApiResult> MethodHandler(TelegramBotApiEmulator emulator, JsonObject parameters, CancellationToken cancellationToken);

    private static Dictionary<string, (string Name, MethodHandler Handler)> BuildHandlers()
    {
        // Method names are case-insensitive in the Bot API; the recorded name is the canonical spelling.
        var handlers = new Dictionary<string, (string Name, MethodHandler Handler)>(StringComparer.OrdinalIgnoreCase);
        void Sync(string name, Func<TelegramBotApiEmulator, JsonObject, ApiResult> handler) =>
            handlers[name] = (name, (emulator, parameters, _) => ValueTask.FromResult(handler(emulator, parameters)));
        void Async(string name, MethodHandler handler) =>
            handlers[name] = (name, handler);

        Sync("getMe", (e, _) => ApiResult.FromNode(e.BotUser(full: true)));
        Async("getUpdates", (e, p, ct) => e.GetUpdatesAsync(p, ct));
        Sync("sendMessage", (e, p) => e.SendMessage(p));
        Sync("editMessageText", (e, p) => e.EditMessage(p, editText: true));
        Sync("editMessageReplyMarkup", (e, p) => e.EditMessage(p, editText: false));
        Sync("deleteMessage", (e, p) => e.DeleteMessage(p));
        Sync("deleteMessages", (e, p) => e.DeleteMessages(p));
        Sync("answerCallbackQuery", (e, p) => e.AnswerCallbackQuery(p));
        Sync("sendChatAction", (e, p) => e.SendChatAction(p));
        Async("setWebhook", (e, p, ct) => e.SetWebhookAsync(p, ct));
        Async("deleteWebhook", (e, p, ct) => e.DeleteWebhookAsync(p, ct));
        Sync("getWebhookInfo", (e, _) => e.GetWebhookInfo());
        Sync("setMyCommands", (e, p) => e.SetMyCommands(p));
        Sync("getMyCommands", (e, p) => e.GetMyCommands(p));
        Sync("deleteMyCommands", (e, p) => e.DeleteMyCommands(p));
        Sync("getFile", (e, p) => e.GetFile(p));
        return handlers;
    }

    private JsonObject BotUser(bool full)
    {
        var user = new JsonObject
        {
            ["id"] = BotId,
            ["is_bot"] = true,
            ["first_name"] = _options.BotFirstName,
            ["username"] = _options.BotUsername,
        };
        if (full)
        {
            user["can_join_groups"] = true;
            user["can_read_all_group_messages"] = false;
            user["supports_inline_queries"] = false;
            user["can_connect_to_business"] = false;
            user["has_main_web_app"] = false;
        }

        return user;
    }

    private async ValueTask<ApiResult> GetUpdatesAsync(JsonObject parameters, CancellationToken cancellationToken)
    {
        ThrowIfWebhookActive();
        var offset = Param.Long(parameters, "offset");
        var limit = Math.Clamp(Param.Int(parameters, "limit") ?? 100, 1, 100);
        var timeout = TimeSpan.FromSeconds(Math.Clamp(Param.Int(parameters, "timeout") ?? 0, 0, 3600));
        _updates.SetAllowed(Param.StringArray(parameters, "allowed_updates"));

        var poll = new PollRegistration();
        Interlocked.Exchange(ref _activePoll, poll)?.Supersede("Conflict: terminated by other getUpdates request; make sure that only one bot instance is running");
        try
        {
            var started = Stopwatch.GetTimestamp();
            while (true)
            {
                var (items, nextArrival) = _updates.Take(offset, limit);
                var remaining = timeout - Stopwatch.GetElapsedTime(started);
                if (items.Count > 0 || remaining <= TimeSpan.Zero || _shutdown.IsCancellationRequested)
                {
                    return ApiResult.FromRaw(JoinUpdates(items));
                }

                using (var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, poll.Token, _shutdown.Token))
                {
                    await Task.WhenAny(nextArrival, Task.Delay(remaining, wake.Token));
                    await wake.CancelAsync();
                }

                cancellationToken.ThrowIfCancellationRequested();
                if (poll.ConflictDescription is { } conflict)
                {
                    throw new ApiError(409, conflict);
                }
            }
        }
        finally
        {
            Interlocked.CompareExchange(ref _activePoll, null, poll);
        }
    }

    private static string JoinUpdates(List<PendingUpdate> items)
    {
        if (items.Count == 0)
        {
            return "[]";
        }

        var json = new StringBuilder(items.Sum(item => item.Json.Length + 1) + 2).Append('[');
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                json.Append(',');
            }

            json.Append(items[i].Json);
        }

        return json.Append(']').ToString();
    }

    private void ThrowIfWebhookActive()
    {
        if (_webhook is not null)
        {
            throw new ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
        }
    }

    private ApiResult SendMessage(JsonObject parameters)
    {
        var chat = RequireChat(parameters);
        var (plain, sent, parseMode) = ReadText(parameters);
        var (markup, keyboard) = InlineKeyboard.Parse(Param.Json(parameters, "reply_markup"));
        CheckReplyTarget(chat, parameters);
        if (chat.BotBlocked)
        {
            throw new ApiError(403, "Forbidden: bot was blocked by the user");
        }

        if (_limiter is { } limiter && limiter.TryAcquire(chat, Now) is int retryAfter)
        {
            throw new ApiError(429, "Too Many Requests: retry after " + retryAfter.ToString(CultureInfo.InvariantCulture), retryAfter);
        }

        var id = chat.NextMessageId();
        var date = Now;
        var json = BotMessageJson(chat, id, date, plain, markup, editDate: null);
        chat.Messages[id] = new StoredMessage(chat.ChatId, id, true, date, plain, sent, parseMode, markup, keyboard, null, json);
        return ApiResult.FromRaw(json);
    }

    private static (string Plain, string Sent, string? ParseMode) ReadText(JsonObject parameters)
    {
        var text = Param.String(parameters, "text");
        if (string.IsNullOrEmpty(text))
        {
            throw ApiError.BadRequest("message text is empty");
        }

        var parseMode = Param.String(parameters, "parse_mode");
        if (parseMode is { Length: 0 })
        {
            parseMode = null;
        }

        var plain = TextMarkup.ToPlainText(text, parseMode);
        if (string.IsNullOrWhiteSpace(plain))
        {
            throw ApiError.BadRequest("message text is empty");
        }

        if (plain.Length > MaxTextLength)
        {
            throw ApiError.BadRequest("message is too long");
        }

        return (plain, text, parseMode);
    }

    private static void CheckReplyTarget(ChatState chat, JsonObject parameters)
    {
        var replyParameters = Param.Json(parameters, "reply_parameters") as JsonObject;
        var target = replyParameters is null
            ? Param.Int(parameters, "reply_to_message_id")
            : Param.Int(replyParameters, "message_id");
        var allowWithout = replyParameters is null
            ? Param.Bool(parameters, "allow_sending_without_reply")
            : Param.Bool(replyParameters, "allow_sending_without_reply");
        if (target is int messageId && !allowWithout && !chat.Messages.ContainsKey(messageId))
        {
            throw ApiError.BadRequest("message to be replied not found");
        }
    }

    private ApiResult EditMessage(JsonObject parameters, bool editText)
    {
        if (parameters.ContainsKey("inline_message_id"))
        {
            throw ApiError.BadRequest("inline messages are not supported by the emulator");
        }

        var chat = RequireChat(parameters);
        var messageId = Param.Int(parameters, "message_id") ?? throw ApiError.BadRequest("message identifier is not specified");
        var text = editText ? ReadText(parameters) : default;
        var (markup, keyboard) = InlineKeyboard.Parse(Param.Json(parameters, "reply_markup"));
        while (true)
        {
            if (!chat.Messages.TryGetValue(messageId, out var current))
            {
                throw ApiError.BadRequest("message to edit not found");
            }

            if (!current.FromBot)
            {
                throw ApiError.BadRequest("message can't be edited");
            }

            // Telegram drops the inline keyboard of a message whose text is edited without reply_markup.
            var plain = editText ? text.Plain : current.Text!;
            var sent = editText ? text.Sent : current.SentText;
            var parseMode = editText ? text.ParseMode : current.ParseMode;
            if (plain == current.Text && sent == current.SentText && markup == current.InlineMarkupJson)
            {
                throw ApiError.BadRequest(
                    "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message");
            }

            var editDate = Now;
            var edited = current with
            {
                Text = plain,
                SentText = sent,
                ParseMode = parseMode,
                InlineMarkupJson = markup,
                Keyboard = keyboard,
                EditDate = editDate,
                Json = BotMessageJson(chat, messageId, current.Date, plain, markup, editDate),
            };
            if (chat.Messages.TryUpdate(messageId, edited, current))
            {
                return ApiResult.FromRaw(edited.Json);
            }
        }
    }

    private ApiResult DeleteMessage(JsonObject parameters)
    {
        var chat = RequireChat(parameters);
        var messageId = Param.Int(parameters, "message_id") ?? throw ApiError.BadRequest("message identifier is not specified");
        return TryDelete(chat, messageId) ? ApiResult.True : throw ApiError.BadRequest("message can't be deleted");
    }

    /// <summary>Deletes what it can and skips the rest, as Telegram does; fails only when nothing could be deleted.</summary>
    private ApiResult DeleteMessages(JsonObject parameters)
    {
        var chat = RequireChat(parameters);
        var ids = Param.LongArray(parameters, "message_ids");
        if (ids is null || ids.Count == 0)
        {
            throw ApiError.BadRequest("message identifiers are not specified");
        }

        if (ids.Count > 100)
        {
            throw ApiError.BadRequest("too many message identifiers specified");
        }

        var deleted = 0;
        foreach (var id in ids)
        {
            if (id is > 0 and <= int.MaxValue && TryDelete(chat, (int)id))
            {
                deleted++;
            }
        }

        return deleted > 0 ? ApiResult.True : throw ApiError.BadRequest("message can't be deleted");
    }

    private bool TryDelete(ChatState chat, int messageId)
    {
        var now = Now;
        if (!chat.Messages.TryGetValue(messageId, out var message) || now - message.Date >= DeleteWindow)
        {
            return false;
        }

        if (!chat.Messages.TryRemove(messageId, out message))
        {
            return false;
        }

        chat.Deleted.Enqueue(new DeletedMessage(chat.ChatId, messageId, message.FromBot, now));
        return true;
    }

    private ApiResult AnswerCallbackQuery(JsonObject parameters)
    {
        var id = Param.String(parameters, "callback_query_id");
        var text = Param.String(parameters, "text");
        if (text is { Length: > 200 })
        {
            throw ApiError.BadRequest("MESSAGE_TOO_LONG");
        }

        if (string.IsNullOrEmpty(id)
            || !_callbacks.TryGetValue(id, out var query)
            || !query.TryAnswer(text, Param.Bool(parameters, "show_alert")))
        {
            throw ApiError.BadRequest("query is too old and response timeout expired or query ID is invalid");
        }

        return ApiResult.True;
    }

    private ApiResult SendChatAction(JsonObject parameters)
    {
        var chat = RequireChat(parameters);
        var action = Param.String(parameters, "action");
        if (action is null || !ChatActionNames.Contains(action))
        {
            throw ApiError.BadRequest("wrong parameter action in request");
        }

        if (chat.BotBlocked)
        {
            throw new ApiError(403, "Forbidden: bot was blocked by the user");
        }

        chat.Actions.Enqueue(new RecordedChatAction(chat.ChatId, action, Now));
        return ApiResult.True;
    }

    private async ValueTask<ApiResult> SetWebhookAsync(JsonObject parameters, CancellationToken cancellationToken)
    {
        var url = Param.String(parameters, "url");
        var secret = Param.String(parameters, "secret_token");
        var maxConnections = Math.Clamp(Param.Int(parameters, "max_connections") ?? 40, 1, 100);
        var allowed = Param.StringArray(parameters, "allowed_updates");
        var drop = Param.Bool(parameters, "drop_pending_updates");
        if (string.IsNullOrEmpty(url))
        {
            await RemoveWebhookAsync(drop, cancellationToken);
            return ApiResult.True;
        }

        if (secret is not null && !SecretTokenPattern().IsMatch(secret))
        {
            throw ApiError.BadRequest("secret token contains unallowed characters");
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw ApiError.BadRequest("bad webhook: An HTTPS URL must be provided for webhook");
        }

        if (!uri.IsLoopback)
        {
            throw ApiError.BadRequest("bad webhook: the emulator delivers only to loopback addresses");
        }

        await _webhookGate.WaitAsync(cancellationToken);
        try
        {
            if (_updates.Detach() is { } previous)
            {
                await previous.StopAsync();
            }

            _updates.SetAllowed(allowed);
            if (drop)
            {
                _updates.Clear();
            }

            var settings = new WebhookSettings(uri, secret, maxConnections, Param.String(parameters, "ip_address"));
            var dispatcher = new WebhookDispatcher(
                settings,
                _webhookHttp,
                _options,
                Clock,
                update =>
                {
                    _updates.Remove(update.Id);
                    _changed.Pulse();
                },
                delivery =>
                {
                    _webhookDeliveries.Enqueue(delivery);
                    _changed.Pulse();
                });
            _webhook = dispatcher;
            _updates.Attach(dispatcher);
            Volatile.Read(ref _activePoll)?.Supersede("Conflict: terminated by setWebhook request");
        }
        finally
        {
            _webhookGate.Release();
        }

        return ApiResult.True;
    }

    private async ValueTask<ApiResult> DeleteWebhookAsync(JsonObject parameters, CancellationToken cancellationToken)
    {
        await RemoveWebhookAsync(Param.Bool(parameters, "drop_pending_updates"), cancellationToken);
        return ApiResult.True;
    }

    private async Task RemoveWebhookAsync(bool dropPendingUpdates, CancellationToken cancellationToken)
    {
        await _webhookGate.WaitAsync(cancellationToken);
        try
        {
            _webhook = null;
            if (_updates.Detach() is { } dispatcher)
            {
                await dispatcher.StopAsync();
            }

            if (dropPendingUpdates)
            {
                _updates.Clear();
            }
        }
        finally
        {
            _webhookGate.Release();
        }
    }

    private ApiResult GetWebhookInfo()
    {
        var webhook = _webhook;
        var info = new JsonObject
        {
            ["url"] = webhook?.Settings.Url.OriginalString ?? string.Empty,
            ["has_custom_certificate"] = false,
            ["pending_update_count"] = _updates.Count,
        };
        if (webhook is not null)
        {
            if (webhook.Settings.IpAddress is { } ipAddress)
            {
                info["ip_address"] = ipAddress;
            }

            if (webhook.LastError is { } error)
            {
                info["last_error_date"] = error.At.ToUnixTimeSeconds();
                info["last_error_message"] = error.Message;
            }

            info["max_connections"] = webhook.Settings.MaxConnections;
            if (_updates.AllowedUpdates is { } allowed)
            {
                info["allowed_updates"] = new JsonArray(allowed.Select(type => (JsonNode?)JsonValue.Create(type)).ToArray());
            }
        }

        return ApiResult.FromNode(info);
    }

    private ApiResult SetMyCommands(JsonObject parameters)
    {
        if (Param.Json(parameters, "commands") is not JsonArray items)
        {
            throw ApiError.BadRequest("parameter \"commands\" is required");
        }

        if (items.Count > 100)
        {
            throw ApiError.BadRequest("too many commands specified");
        }

        var commands = new List<RegisteredCommand>(items.Count);
        foreach (var item in items)
        {
            if (item is not JsonObject command)
            {
                throw ApiError.BadRequest("can't parse BotCommand");
            }

            var name = Param.String(command, "command");
            var description = Param.String(command, "description");
            if (name is null || !CommandPattern().IsMatch(name))
            {
                throw ApiError.BadRequest("BOT_COMMAND_INVALID");
            }

            if (string.IsNullOrWhiteSpace(description) || description.Length > 256)
            {
                throw ApiError.BadRequest("BOT_COMMAND_DESCRIPTION_INVALID");
            }

            commands.Add(new RegisteredCommand(name, description));
        }

        var key = CommandKey(parameters);
        if (commands.Count == 0)
        {
            _commands.TryRemove(key, out _);
        }
        else
        {
            _commands[key] = commands;
        }

        return ApiResult.True;
    }

    private ApiResult GetMyCommands(JsonObject parameters)
    {
        var commands = _commands.TryGetValue(CommandKey(parameters), out var found) ? found : [];
        var result = new JsonArray();
        foreach (var command in commands)
        {
            result.Add(new JsonObject { ["command"] = command.Command, ["description"] = command.Description });
        }

        return ApiResult.FromNode(result);
    }

    private ApiResult DeleteMyCommands(JsonObject parameters)
    {
        _commands.TryRemove(CommandKey(parameters), out _);
        return ApiResult.True;
    }

    private static string CommandKey(JsonObject parameters)
    {
        var languageCode = Param.String(parameters, "language_code");
        if (!string.IsNullOrEmpty(languageCode) && !LanguageCodePattern().IsMatch(languageCode))
        {
            throw ApiError.BadRequest("LANG_CODE_INVALID");
        }

        var scope = Param.Json(parameters, "scope");
        if (scope is null)
        {
            return CommandKey("default", languageCode);
        }

        if (scope is not JsonObject scopeObject)
        {
            throw ApiError.BadRequest("can't parse BotCommandScope");
        }

        var type = Param.String(scopeObject, "type");
        var chatId = Param.String(scopeObject, "chat_id");
        var userId = Param.String(scopeObject, "user_id");
        var key = type switch
        {
            "default" or "all_private_chats" or "all_group_chats" or "all_chat_administrators" => type,
            "chat" or "chat_administrators" when chatId is not null => $"{type}:{chatId}",
            "chat_member" when chatId is not null && userId is not null => $"{type}:{chatId}:{userId}",
            _ => throw ApiError.BadRequest("unsupported bot command scope type"),
        };
        return CommandKey(key, languageCode);
    }

    private static string CommandKey(string scope, string? languageCode) => scope + "|" + (languageCode ?? string.Empty);

    private ApiResult GetFile(JsonObject parameters)
    {
        var fileId = Param.String(parameters, "file_id");
        if (string.IsNullOrEmpty(fileId) || !_files.TryGetValue(fileId, out var file))
        {
            throw ApiError.BadRequest("invalid file_id");
        }

        return ApiResult.FromNode(new JsonObject
        {
            ["file_id"] = file.FileId,
            ["file_unique_id"] = file.FileUniqueId,
            ["file_size"] = file.Size,
            ["file_path"] = file.Path,
        });
    }

    private ChatState RequireChat(JsonObject parameters)
    {
        var raw = Param.String(parameters, "chat_id");
        if (string.IsNullOrEmpty(raw))
        {
            throw ApiError.BadRequest("chat_id is empty");
        }

        if (!long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var chatId)
            || !_chats.TryGetValue(chatId, out var chat))
        {
            throw ApiError.BadRequest("chat not found");
        }

        return chat;
    }

    private string BotMessageJson(ChatState chat, int messageId, DateTimeOffset date, string text, string? markup, DateTimeOffset? editDate)
    {
        var message = MessageBase(chat, messageId, date, fromBot: true);
        if (editDate is { } edited)
        {
            message["edit_date"] = edited.ToUnixTimeSeconds();
        }

        message["text"] = text;
        if (markup is not null)
        {
            message["reply_markup"] = JsonNode.Parse(markup);
        }

        return message.ToJsonString(JsonOptions);
    }

    private JsonObject MessageBase(ChatState chat, int messageId, DateTimeOffset date, bool fromBot) => new()
    {
        ["message_id"] = messageId,
        ["from"] = fromBot ? BotUser(full: false) : UserObject(chat),
        ["chat"] = new JsonObject
        {
            ["id"] = chat.ChatId,
            ["first_name"] = chat.FirstName,
            ["type"] = "private",
        },
        ["date"] = date.ToUnixTimeSeconds(),
    };

    private static JsonObject UserObject(ChatState chat)
    {
        var user = new JsonObject
        {
            ["id"] = chat.ChatId,
            ["is_bot"] = false,
            ["first_name"] = chat.FirstName,
        };
        if (chat.LanguageCode is not null)
        {
            user["language_code"] = chat.LanguageCode;
        }

        return user;
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,256}$")]
    private static partial Regex SecretTokenPattern();

    [GeneratedRegex("^[a-z0-9_]{1,32}$")]
    private static partial Regex CommandPattern();

    [GeneratedRegex("^[a-z]{2,3}$")]
    private static partial Regex LanguageCodePattern();

    /// <summary>One getUpdates in flight; Telegram ends it with 409 when another getUpdates or a setWebhook arrives.</summary>
    private sealed class PollRegistration
    {
        private readonly CancellationTokenSource _cancel = new();
        private volatile string? _conflict;

        public CancellationToken Token => _cancel.Token;

        public string? ConflictDescription => _conflict;

        public void Supersede(string conflict)
        {
            _conflict = conflict;
            _cancel.Cancel();
        }
    }
}
