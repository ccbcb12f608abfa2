using System.Text;
using Newtonsoft.Json.Linq;

namespace SafetyBot.Channels.Telegram;

/// <summary>
/// Button values as Telegram callback data: <c>a:&lt;action&gt;[:&lt;argument&gt;]</c>, ASCII letters, digits,
/// <c>_</c> and <c>-</c> only, at most 64 bytes. Anything else read back is treated as stale.
/// </summary>
public static class TelegramCallbackData
{
    public const int MaxBytes = 64;

    public static string? Encode(object? value)
    {
        if (value is not JObject obj || obj.Value<string>("action") is not { Length: > 0 } action)
        {
            return null;
        }

        var argument = obj.Value<string>("argument");
        var data = argument is null ? "a:" + action : "a:" + action + ":" + argument;
        return IsValid(data) ? data : null;
    }

    public static JObject? Decode(string? data)
    {
        if (data is null || !IsValid(data) || !data.StartsWith("a:", StringComparison.Ordinal))
        {
            return null;
        }

        var parts = data.Split(':');
        if (parts.Length is < 2 or > 3 || parts[1].Length == 0)
        {
            return null;
        }

        var value = new JObject { ["action"] = parts[1] };
        if (parts.Length == 3)
        {
            value["argument"] = parts[2];
        }

        return value;
    }

    private static bool IsValid(string data) =>
        data.Length > 0 && Encoding.UTF8.GetByteCount(data) <= MaxBytes
        && data.All(c => char.IsAsciiLetterOrDigit(c) || c is ':' or '_' or '-');
}
