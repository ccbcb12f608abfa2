using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SafetyBot.Telegram.Emulator;

/// <summary>
/// The entities Telegram attaches to text a user types: bot commands, links, e-mail addresses,
/// mentions and hashtags. Offsets and lengths are UTF-16 code units, as in the Bot API (and in .NET strings).
/// </summary>
internal static partial class Entities
{
    private static readonly char[] TrailingPunctuation = ['.', ',', ';', ':', '!', '?', ')', '\'', '"'];

    public static JsonArray? Detect(string text)
    {
        var found = new List<(int Offset, int Length, string Type)>();
        Collect(found, UrlPattern(), text, "url", trimPunctuation: true);
        Collect(found, EmailPattern(), text, "email", trimPunctuation: false);
        Collect(found, BotCommandPattern(), text, "bot_command", trimPunctuation: false);
        Collect(found, MentionPattern(), text, "mention", trimPunctuation: false);
        Collect(found, HashtagPattern(), text, "hashtag", trimPunctuation: false);
        if (found.Count == 0)
        {
            return null;
        }

        found.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        var entities = new JsonArray();
        foreach (var (offset, length, type) in found)
        {
            entities.Add(new JsonObject { ["offset"] = offset, ["length"] = length, ["type"] = type });
        }

        return entities;
    }

    private static void Collect(List<(int Offset, int Length, string Type)> found, Regex pattern, string text, string type, bool trimPunctuation)
    {
        foreach (Match match in pattern.Matches(text))
        {
            var length = match.Length;
            if (trimPunctuation)
            {
                while (length > 0 && Array.IndexOf(TrailingPunctuation, text[match.Index + length - 1]) >= 0)
                {
                    length--;
                }
            }

            var offset = match.Index;
            if (length > 0 && !found.Exists(e => offset < e.Offset + e.Length && e.Offset < offset + length))
            {
                found.Add((offset, length, type));
            }
        }
    }

    [GeneratedRegex(@"(?<![\w@./-])(?:(?:https?|tg|ftp)://[^\s<>""]+|www\.[^\s<>""]+|(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:com|org|net|info|io|me|app|dev|ru|ua|uk|de|fr|es|it|pt|pl|nl|be|ch|at|eu|us|ca|au|in|br|mx|tv|co|gg|ly|to|link|site|online|xyz)(?::\d{1,5})?(?:/[^\s<>""]*)?(?![\w-]))", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlPattern();

    [GeneratedRegex(@"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])", RegexOptions.CultureInvariant)]
    private static partial Regex BotCommandPattern();

    [GeneratedRegex(@"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}(?!\w)", RegexOptions.CultureInvariant)]
    private static partial Regex MentionPattern();

    [GeneratedRegex(@"(?<![\w#])#\w*[^\W\d]\w*", RegexOptions.CultureInvariant)]
    private static partial Regex HashtagPattern();
}
