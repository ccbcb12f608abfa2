using System.Text;
using System.Text.Json.Nodes;

namespace SafetyBot.Telegram.Emulator;

/// <summary>Validates reply_markup as Telegram does and keeps inline keyboards (the only markup a Message echoes).</summary>
internal static class InlineKeyboard
{
    private static readonly string[] ButtonKinds =
    [
        "callback_data", "url", "web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay",
    ];

    public static (string? Json, IReadOnlyList<IReadOnlyList<InlineButton>> Buttons) Parse(JsonNode? markup)
    {
        if (markup is null)
        {
            return (null, []);
        }

        if (markup is not JsonObject obj)
        {
            throw ApiError.BadRequest("can't parse reply keyboard markup JSON object");
        }

        if (!obj.TryGetPropertyValue("inline_keyboard", out var keyboard))
        {
            if (obj.ContainsKey("keyboard") || obj.ContainsKey("remove_keyboard") || obj.ContainsKey("force_reply"))
            {
                return (null, []);
            }

            throw ApiError.BadRequest("can't parse reply keyboard markup JSON object");
        }

        if (keyboard is not JsonArray rows)
        {
            throw ApiError.BadRequest("can't parse inline keyboard markup: field \"inline_keyboard\" must be an Array");
        }

        var parsedRows = new List<IReadOnlyList<InlineButton>>(rows.Count);
        var cleanRows = new JsonArray();
        var total = 0;
        foreach (var row in rows)
        {
            if (row is not JsonArray buttons)
            {
                throw ApiError.BadRequest("can't parse inline keyboard markup: field \"inline_keyboard\" must be an Array of Arrays");
            }

            var parsedRow = new List<InlineButton>(buttons.Count);
            var cleanRow = new JsonArray();
            foreach (var button in buttons)
            {
                parsedRow.Add(ParseButton(button));
                cleanRow.Add(button!.DeepClone());
                total++;
            }

            if (parsedRow.Count > 0)
            {
                parsedRows.Add(parsedRow);
                cleanRows.Add(cleanRow);
            }
        }

        if (total > 100)
        {
            throw ApiError.BadRequest("reply markup is too long");
        }

        return total == 0
            ? (null, [])
            : (new JsonObject { ["inline_keyboard"] = cleanRows }.ToJsonString(TelegramBotApiEmulator.JsonOptions), parsedRows);
    }

    private static InlineButton ParseButton(JsonNode? node)
    {
        if (node is not JsonObject button)
        {
            throw ApiError.BadRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object");
        }

        var text = Param.String(button, "text");
        if (string.IsNullOrEmpty(text))
        {
            throw ApiError.BadRequest("can't parse inline keyboard button: Text must be non-empty");
        }

        if (!Array.Exists(ButtonKinds, button.ContainsKey))
        {
            throw ApiError.BadRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
        }

        var callbackData = Param.String(button, "callback_data");
        if (callbackData is not null && Encoding.UTF8.GetByteCount(callbackData) is < 1 or > 64)
        {
            throw ApiError.BadRequest("BUTTON_DATA_INVALID");
        }

        var url = Param.String(button, "url");
        if (url is not null
            && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "tg")))
        {
            throw ApiError.BadRequest("BUTTON_URL_INVALID");
        }

        return new InlineButton(text, callbackData, url);
    }
}
