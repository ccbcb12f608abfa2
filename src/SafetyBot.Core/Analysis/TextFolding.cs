using System.Globalization;
using System.Text;

namespace SafetyBot.Core.Analysis;

/// <summary>
/// What a character becomes before matching: lower case, accents and other combining marks removed,
/// compatibility forms (full-width, mathematical and circled letters) replaced by plain letters, Arabic
/// letter variants unified, Greek look-alikes read as Latin, invisible characters removed.
/// One table for the Basic Multilingual Plane, built once; nothing is allocated per character.
/// </summary>
internal static class TextFolding
{
    /// <summary>Table value meaning "drop this character".</summary>
    public const char Drop = '\0';

    /// <summary>Table value meaning "several characters: see <see cref="Multi"/>".</summary>
    public const char Expand = '\uFFFF';

    /// <summary>Apostrophes of every kind become a separator, so "don't", "dont" and "don t" can all match.</summary>
    public const char Separator = ' ';

    private static readonly Dictionary<char, string> Multi = [];
    private static readonly Dictionary<int, char> Astral = [];
    private static readonly char[] Table = BuildTable(Multi, Astral);

    public static char Fold(char c) => Table[c];

    public static string Expansion(char c) => Multi[c];

    /// <summary>Mathematical and enclosed letters outside the BMP (used to dodge filters) read as plain letters.</summary>
    public static char FoldAstral(int codePoint) => Astral.TryGetValue(codePoint, out var c) ? c : Separator;

    /// <summary>Folds a whole string the same way as message text (for patterns and word lists).</summary>
    public static string FoldString(string text)
    {
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                sb.Append(FoldAstral(char.ConvertToUtf32(c, text[i + 1])));
                i++;
                continue;
            }

            var f = Table[c];
            if (f == Expand)
            {
                sb.Append(Multi[c]);
            }
            else if (f != Drop)
            {
                sb.Append(f);
            }
        }

        return sb.ToString();
    }

    public static bool IsInvisible(char c) => c switch
    {
        '\u00AD' or '\u034F' or '\u061C' or '\u180E' or '\uFEFF' => true,
        >= '\u200B' and <= '\u200F' => true,
        >= '\u202A' and <= '\u202E' => true,
        >= '\u2060' and <= '\u206F' => true,
        >= '\uFE00' and <= '\uFE0F' => true,
        _ => false,
    };

    public static bool IsApostrophe(char c) => c is '\'' or '\u2018' or '\u2019' or '\u201B' or '\u02BC' or '\u02B9' or '`' or '\u00B4' or '\u2032';

    private static char[] BuildTable(Dictionary<char, string> multi, Dictionary<int, char> astral)
    {
        var table = new char[65536];
        for (var i = 0; i < table.Length; i++)
        {
            var c = (char)i;
            table[i] = FoldOne(c, multi);
        }

        // Mathematical alphanumerics and enclosed/squared letters: 𝐬𝐞𝐧𝐝, 🅂.
        foreach (var (from, to) in new[] { (0x1D400, 0x1D7FF), (0x1F130, 0x1F189) })
        {
            for (var cp = from; cp <= to; cp++)
            {
                var s = char.ConvertFromUtf32(cp).Normalize(NormalizationForm.FormKD);
                if (s.Length == 1 && char.IsLetterOrDigit(s[0]))
                {
                    astral[cp] = char.ToLowerInvariant(s[0]);
                }
            }
        }

        return table;
    }

    private static char FoldOne(char c, Dictionary<char, string> multi)
    {
        if (c < 0x80)
        {
            if (c is >= 'A' and <= 'Z')
            {
                return (char)(c + 32);
            }

            if (c == '\'' || c == '`')
            {
                return Separator;
            }

            return c < 0x20 || c == 0x7F ? Separator : c;
        }

        if (char.IsSurrogate(c))
        {
            return c; // handled by the caller, pair by pair
        }

        if (IsInvisible(c))
        {
            return Drop;
        }

        if (IsApostrophe(c))
        {
            return Separator;
        }

        var category = CharUnicodeInfo.GetUnicodeCategory(c);
        switch (category)
        {
            case UnicodeCategory.Control:
            case UnicodeCategory.SpaceSeparator:
            case UnicodeCategory.LineSeparator:
            case UnicodeCategory.ParagraphSeparator:
            case UnicodeCategory.Format:
                return Separator;
            case UnicodeCategory.NonSpacingMark:
            case UnicodeCategory.EnclosingMark:
            case UnicodeCategory.SpacingCombiningMark:
                return Drop;
            case UnicodeCategory.PrivateUse:
            case UnicodeCategory.OtherNotAssigned:
                return Separator;
        }

        var special = c switch
        {
            'ß' or 'ẞ' => "ss",
            'æ' or 'Æ' => "ae",
            'œ' or 'Œ' => "oe",
            'ø' or 'Ø' => "o",
            'ł' or 'Ł' => "l",
            'đ' or 'Đ' => "d",
            'ı' => "i",
            'ĸ' => "k",
            '\u0640' => string.Empty, // Arabic tatweel (letter stretching)
            'ة' => "ه",
            'ى' => "ي",
            'ی' => "ي", // Persian yeh
            'ک' => "ك",
            >= '\u0660' and <= '\u0669' => ((char)('0' + (c - '\u0660'))).ToString(),
            >= '\u06F0' and <= '\u06F9' => ((char)('0' + (c - '\u06F0'))).ToString(),
            // Greek look-alikes read as Latin (Greek is not a supported language; it is used to dodge filters).
            'α' or 'Α' => "a",
            'β' or 'Β' => "b",
            'ε' or 'Ε' => "e",
            'ι' or 'Ι' => "i",
            'κ' or 'Κ' => "k",
            'ν' or 'Ν' => "v",
            'ο' or 'Ο' => "o",
            'ρ' or 'Ρ' => "p",
            'τ' or 'Τ' => "t",
            'υ' or 'Υ' => "u",
            'χ' or 'Χ' => "x",
            'Η' => "h",
            'Μ' => "m",
            'Ζ' => "z",
            _ => null,
        };
        if (special is not null)
        {
            return Store(c, special, multi);
        }

        if (!MayDecompose(c))
        {
            return char.ToLowerInvariant(c);
        }

        var decomposed = c.ToString().Normalize(NormalizationForm.FormKD);
        var sb = new StringBuilder(decomposed.Length);
        foreach (var d in decomposed)
        {
            var dc = CharUnicodeInfo.GetUnicodeCategory(d);
            if (dc is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.SpacingCombiningMark)
            {
                continue;
            }

            sb.Append(char.ToLowerInvariant(d));
        }

        return Store(c, sb.ToString(), multi);
    }

    /// <summary>Blocks where compatibility decomposition changes letters SafetyBot reads (others are only lower-cased).</summary>
    private static bool MayDecompose(char c) => c switch
    {
        <= '\u052F' => true, // Latin, IPA, Greek, Cyrillic
        >= '\u0600' and <= '\u06FF' => true, // Arabic
        >= '\u1D00' and <= '\u1EFF' => true, // phonetic extensions, Latin extended additional
        >= '\u2000' and <= '\u24FF' => true, // punctuation, letter-like, number forms, enclosed alphanumerics
        >= '\uFB00' and <= '\uFDFF' => true, // ligatures, Arabic presentation forms A
        >= '\uFE70' and <= '\uFFEF' => true, // Arabic presentation forms B, full-width forms
        _ => false,
    };

    private static char Store(char c, string folded, Dictionary<char, string> multi)
    {
        switch (folded.Length)
        {
            case 0:
                return Drop;
            case 1:
                return folded[0] is Drop or Expand ? Separator : folded[0];
            default:
                multi[c] = folded;
                return Expand;
        }
    }
}
