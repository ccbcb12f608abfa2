namespace SafetyBot.Channels.Telegram;

/// <summary>Splits long replies for Telegram's 4096-character limit, at sentence or line ends where possible.</summary>
public static class TelegramText
{
    public const int MaxLength = 4096;

    public static IReadOnlyList<string> Split(string text, int maxLength = MaxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = new List<string>();
        var rest = text.AsSpan();
        while (rest.Length > maxLength)
        {
            var window = rest[..maxLength];
            var cut = LastBoundary(window);
            if (cut <= 0)
            {
                cut = maxLength;
                if (char.IsHighSurrogate(window[cut - 1]))
                {
                    cut--;
                }
            }

            parts.Add(rest[..cut].TrimEnd().ToString());
            rest = rest[cut..].TrimStart();
        }

        if (rest.Length > 0 || parts.Count == 0)
        {
            parts.Add(rest.ToString());
        }

        return parts;
    }

    private static int LastBoundary(ReadOnlySpan<char> window)
    {
        var paragraph = window.LastIndexOf("\n\n");
        if (paragraph > window.Length / 2)
        {
            return paragraph + 2;
        }

        for (var i = window.Length - 1; i > window.Length / 2; i--)
        {
            if (window[i] == '\n' || (window[i] == ' ' && i > 0 && window[i - 1] is '.' or '!' or '?' or '。' or '؟'))
            {
                return i + 1;
            }
        }

        var space = window.LastIndexOf(' ');
        return space > 0 ? space + 1 : -1;
    }
}
