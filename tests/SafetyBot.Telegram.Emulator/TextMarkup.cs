using System.Globalization;
using System.Text;

namespace SafetyBot.Telegram.Emulator;

/// <summary>
/// Applies parse_mode the way Telegram does, closely enough to catch what Telegram refuses
/// ("can't parse entities") and to measure the text the user will see. Not a full parser:
/// entities are not returned, only validated and stripped.
/// </summary>
internal static class TextMarkup
{
    private static readonly HashSet<string> HtmlTags = new(StringComparer.Ordinal)
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
        "a", "code", "pre", "blockquote", "tg-emoji",
    };

    /// <summary>The text the user reads; throws a 400 <see cref="ApiError"/> where Telegram would.</summary>
    public static string ToPlainText(string text, string? parseMode)
    {
        if (string.IsNullOrEmpty(parseMode))
        {
            return text;
        }

        if (parseMode.Equals("HTML", StringComparison.OrdinalIgnoreCase))
        {
            return Html(text);
        }

        if (parseMode.Equals("MarkdownV2", StringComparison.OrdinalIgnoreCase))
        {
            return MarkdownV2(text);
        }

        if (parseMode.Equals("Markdown", StringComparison.OrdinalIgnoreCase))
        {
            return Markdown(text);
        }

        throw ApiError.BadRequest("unsupported parse_mode");
    }

    private static ApiError CantParse(string detail) => ApiError.BadRequest("can't parse entities: " + detail);

    private static int ByteOffset(string text, int index) => Encoding.UTF8.GetByteCount(text.AsSpan(0, index));

    private static string Html(string text)
    {
        var plain = new StringBuilder(text.Length);
        var open = new Stack<string>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '<')
            {
                var close = text.IndexOf('>', i + 1);
                var inner = close < 0 ? text.AsSpan(i + 1) : text.AsSpan(i + 1, close - i - 1);
                var isEnd = inner.Length > 0 && inner[0] == '/';
                var nameSpan = isEnd ? inner[1..] : inner;
                var nameLength = 0;
                while (nameLength < nameSpan.Length && (char.IsAsciiLetterOrDigit(nameSpan[nameLength]) || nameSpan[nameLength] == '-'))
                {
                    nameLength++;
                }

                var name = nameSpan[..nameLength].ToString().ToLowerInvariant();
                if (close < 0)
                {
                    throw CantParse($"Unclosed start tag at byte offset {ByteOffset(text, i)}");
                }

                if (isEnd)
                {
                    if (open.Count == 0)
                    {
                        throw CantParse($"Unexpected end tag at byte offset {ByteOffset(text, i)}");
                    }

                    var expected = open.Pop();
                    if (!string.Equals(expected, name, StringComparison.Ordinal))
                    {
                        throw CantParse(
                            $"Unmatched end tag at byte offset {ByteOffset(text, i)}, expected \"</{expected}>\", found \"</{name}>\"");
                    }
                }
                else
                {
                    if (!HtmlTags.Contains(name))
                    {
                        throw CantParse($"Unsupported start tag \"{name}\" at byte offset {ByteOffset(text, i)}");
                    }

                    if (name == "span" && !inner.Contains("tg-spoiler".AsSpan(), StringComparison.Ordinal))
                    {
                        throw CantParse($"Tag \"span\" must have class \"tg-spoiler\" at byte offset {ByteOffset(text, i)}");
                    }

                    open.Push(name);
                }

                i = close + 1;
            }
            else if (c == '&' && TryDecodeEntity(text, i, out var decoded, out var consumed))
            {
                plain.Append(decoded);
                i += consumed;
            }
            else
            {
                plain.Append(c);
                i++;
            }
        }

        if (open.Count > 0)
        {
            throw CantParse($"Can't find end tag corresponding to start tag \"{open.Peek()}\"");
        }

        return plain.ToString();
    }

    private static bool TryDecodeEntity(string text, int start, out string decoded, out int consumed)
    {
        decoded = string.Empty;
        consumed = 0;
        var end = text.IndexOf(';', start + 1);
        if (end < 0 || end - start > 10)
        {
            return false;
        }

        var body = text.AsSpan(start + 1, end - start - 1);
        string? value = body switch
        {
            "lt" => "<",
            "gt" => ">",
            "amp" => "&",
            "quot" => "\"",
            _ => null,
        };
        if (value is null && body.Length > 1 && body[0] == '#')
        {
            var isHex = body.Length > 2 && (body[1] == 'x' || body[1] == 'X');
            var digits = isHex ? body[2..] : body[1..];
            if (int.TryParse(digits, isHex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out var codePoint)
                && codePoint is > 0 and <= 0x10FFFF and not (>= 0xD800 and <= 0xDFFF))
            {
                value = char.ConvertFromUtf32(codePoint);
            }
        }

        if (value is null)
        {
            return false;
        }

        decoded = value;
        consumed = end - start + 1;
        return true;
    }

    private static string MarkdownV2(string text)
    {
        var plain = new StringBuilder(text.Length);
        var open = new List<(string Marker, int Offset)>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\\')
            {
                if (i + 1 >= text.Length)
                {
                    throw CantParse("Character '\\' is reserved and must be escaped with the preceding '\\'");
                }

                plain.Append(text[i + 1]);
                i += 2;
                continue;
            }

            if (c == '`')
            {
                var isPre = string.CompareOrdinal(text, i, "```", 0, 3) == 0;
                var marker = isPre ? "```" : "`";
                var end = FindUnescaped(text, marker, i + marker.Length);
                if (end < 0)
                {
                    throw CantParse($"Can't find end of {(isPre ? "Pre" : "Code")} entity at byte offset {ByteOffset(text, i)}");
                }

                var code = text.AsSpan(i + marker.Length, end - i - marker.Length);
                if (isPre)
                {
                    // ```language\n...``` names the language on the first line.
                    var newline = code.IndexOf('\n');
                    if (newline > 0 && !code[..newline].ContainsAny(" \t"))
                    {
                        code = code[(newline + 1)..];
                    }
                }

                AppendUnescaped(plain, code);
                i = end + marker.Length;
                continue;
            }

            switch (c)
            {
                case '*':
                case '~':
                    Toggle(open, c.ToString(), ByteOffset(text, i));
                    i++;
                    break;
                case '_':
                    var underline = i + 1 < text.Length && text[i + 1] == '_';
                    Toggle(open, underline ? "__" : "_", ByteOffset(text, i));
                    i += underline ? 2 : 1;
                    break;
                case '|' when i + 1 < text.Length && text[i + 1] == '|':
                    Toggle(open, "||", ByteOffset(text, i));
                    i += 2;
                    break;
                case '[':
                    open.Add(("[", ByteOffset(text, i)));
                    i++;
                    break;
                case ']' when open.Exists(entry => entry.Marker == "["):
                    if (i + 1 >= text.Length || text[i + 1] != '(')
                    {
                        throw CantParse("Character ']' is reserved and must be escaped with the preceding '\\'");
                    }

                    var urlEnd = FindUnescaped(text, ")", i + 2);
                    if (urlEnd < 0)
                    {
                        throw CantParse($"Can't find end of a URL at byte offset {ByteOffset(text, i + 1)}");
                    }

                    open.RemoveAt(open.FindLastIndex(entry => entry.Marker == "["));
                    i = urlEnd + 1;
                    break;
                case '>' when i == 0 || text[i - 1] == '\n':
                    i++;
                    break;
                case ']' or '(' or ')' or '>' or '#' or '+' or '-' or '=' or '|' or '{' or '}' or '.' or '!':
                    throw CantParse($"Character '{c}' is reserved and must be escaped with the preceding '\\'");
                default:
                    plain.Append(c);
                    i++;
                    break;
            }
        }

        if (open.Count > 0)
        {
            var (marker, offset) = open[^1];
            throw CantParse($"Can't find end of {EntityName(marker)} entity at byte offset {offset}");
        }

        return plain.ToString();
    }

    private static void Toggle(List<(string Marker, int Offset)> open, string marker, int offset)
    {
        var index = open.FindLastIndex(entry => entry.Marker == marker);
        if (index >= 0)
        {
            open.RemoveAt(index);
        }
        else
        {
            open.Add((marker, offset));
        }
    }

    private static string EntityName(string marker) => marker switch
    {
        "*" => "Bold",
        "_" => "Italic",
        "__" => "Underline",
        "~" => "Strikethrough",
        "||" => "Spoiler",
        _ => "TextUrl",
    };

    private static int FindUnescaped(string text, string marker, int from)
    {
        for (var i = from; i <= text.Length - marker.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
                continue;
            }

            if (string.CompareOrdinal(text, i, marker, 0, marker.Length) == 0)
            {
                return i;
            }
        }

        return -1;
    }

    private static void AppendUnescaped(StringBuilder plain, ReadOnlySpan<char> code)
    {
        for (var i = 0; i < code.Length; i++)
        {
            if (code[i] == '\\' && i + 1 < code.Length)
            {
                i++;
            }

            plain.Append(code[i]);
        }
    }

    private static string Markdown(string text)
    {
        var plain = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\\' && i + 1 < text.Length && text[i + 1] is '_' or '*' or '`' or '[')
            {
                plain.Append(text[i + 1]);
                i += 2;
                continue;
            }

            var marker = c switch
            {
                '*' or '_' => c.ToString(),
                '`' => string.CompareOrdinal(text, i, "```", 0, 3) == 0 ? "```" : "`",
                '[' => "]",
                _ => null,
            };
            if (marker is null)
            {
                plain.Append(c);
                i++;
                continue;
            }

            var contentStart = i + (marker == "]" ? 1 : marker.Length);
            var end = text.IndexOf(marker, contentStart, StringComparison.Ordinal);
            if (end < 0)
            {
                throw CantParse($"Can't find end of the entity starting at byte offset {ByteOffset(text, i)}");
            }

            plain.Append(text, contentStart, end - contentStart);
            i = end + marker.Length;
            if (marker == "]" && i < text.Length && text[i] == '(')
            {
                var urlEnd = text.IndexOf(')', i);
                if (urlEnd < 0)
                {
                    throw CantParse($"Can't find end of the entity starting at byte offset {ByteOffset(text, i)}");
                }

                i = urlEnd + 1;
            }
        }

        return plain.ToString();
    }
}
