namespace SafetyBot.Core.Analysis;

/// <summary>
/// A message folded for matching (<see cref="TextFolding"/>), with, for every folded character, the index of
/// the original character it came from, so that evidence is quoted from what the person really saw.
/// Also: letters stretched three times or more are read once ("pleeease"), digits inside Latin words are
/// read as the letters they imitate ("s3x", "n00dz"), and a word mixing Latin and Cyrillic look-alike
/// letters is read in the script most of its letters use.
/// Buffers grow as needed and are reused: one instance per thread, nothing allocated per message.
/// </summary>
internal sealed class NormalizedText
{
    private char[] _chars = new char[512];
    private int[] _map = new int[512];

    public int Length { get; private set; }

    public int Latin { get; private set; }

    public int Cyrillic { get; private set; }

    public int Arabic { get; private set; }

    public ReadOnlySpan<char> Span => _chars.AsSpan(0, Length);

    /// <summary>Index in the source of the character that produced folded character <paramref name="i"/>.</summary>
    public int SourceIndex(int i) => _map[i];

    public void Load(ReadOnlySpan<char> source, Span<int> letterHits, LetterIndex letters)
    {
        Length = 0;
        Latin = Cyrillic = Arabic = 0;
        var stretched = false;
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            if (char.IsHighSurrogate(c) && i + 1 < source.Length && char.IsLowSurrogate(source[i + 1]))
            {
                var cp = char.ConvertToUtf32(c, source[i + 1]);
                var astral = TextFolding.FoldAstral(cp);
                if (astral != TextFolding.Separator)
                {
                    Append(astral, i, ref stretched);
                }
                else
                {
                    // Emoji and other symbols stay as they are (two code units, both pointing at the pair).
                    Append(c, i, ref stretched);
                    Append(source[i + 1], i, ref stretched);
                }

                i++;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                Append(TextFolding.Separator, i, ref stretched); // a lone half of a pair
                continue;
            }

            if (c >= 0x80)
            {
                letters.Count(c, letterHits);
            }

            var f = TextFolding.Fold(c);
            if (f == TextFolding.Drop)
            {
                continue;
            }

            if (f == TextFolding.Expand)
            {
                foreach (var e in TextFolding.Expansion(c))
                {
                    Append(e, i, ref stretched);
                }

                continue;
            }

            Append(f, i, ref stretched);
        }

        FixWords();
    }

    /// <summary>Replaces the text with a rewritten copy of <paramref name="from"/> (language folding, transliteration).</summary>
    public void Begin()
    {
        Length = 0;
    }

    public void Add(char c, int sourceIndex)
    {
        Grow();
        _chars[Length] = c;
        _map[Length++] = sourceIndex;
    }

    private void Append(char c, int sourceIndex, ref bool stretched)
    {
        if (char.IsLetter(c))
        {
            if (Length >= 2 && _chars[Length - 1] == c && _chars[Length - 2] == c)
            {
                Length--; // third in a row: keep one
                stretched = true;
                return;
            }

            if (stretched && Length >= 1 && _chars[Length - 1] == c)
            {
                return;
            }

            if (c is >= 'a' and <= 'z' || (c >= '\u00E0' && c <= '\u024F'))
            {
                Latin++;
            }
            else if (c is >= '\u0400' and <= '\u04FF')
            {
                Cyrillic++;
            }
            else if (c is >= '\u0600' and <= '\u06FF')
            {
                Arabic++;
            }
        }

        stretched = false;
        Grow();
        _chars[Length] = c;
        _map[Length++] = sourceIndex;
    }

    private void Grow()
    {
        if (Length == _chars.Length)
        {
            Array.Resize(ref _chars, _chars.Length * 2);
            Array.Resize(ref _map, _map.Length * 2);
        }
    }

    /// <summary>Per word (run of letters and digits): look-alike letters and digits read in the word's script.</summary>
    private void FixWords()
    {
        var chars = _chars.AsSpan(0, Length);
        for (var start = Words.Start(chars, 0); start < Length; start = Words.Start(chars, start))
        {
            var i = Words.End(chars, start);
            int latin = 0, cyrillic = 0, digits = 0;
            foreach (var c in chars[start..i])
            {
                if (c is >= '0' and <= '9')
                {
                    digits++;
                }
                else if (c is >= 'a' and <= 'z')
                {
                    latin++;
                }
                else if (c is >= '\u0400' and <= '\u04FF')
                {
                    cyrillic++;
                }
            }

            if (latin > 0 && cyrillic > 0)
            {
                var toLatin = latin >= cyrillic;
                for (var k = start; k < i; k++)
                {
                    _chars[k] = toLatin ? CyrillicToLatin(_chars[k]) : LatinToCyrillic(_chars[k]);
                }
            }

            if (digits > 0 && latin >= 2)
            {
                for (var k = start + 1; k < i; k++)
                {
                    if (char.IsLetter(_chars[k - 1]))
                    {
                        _chars[k] = _chars[k] switch
                        {
                            '0' => 'o',
                            '1' => 'i',
                            '3' => 'e',
                            '4' => 'a',
                            '5' => 's',
                            '7' => 't',
                            var other => other,
                        };
                    }
                }
            }

            start = i;
        }
    }

    private static char CyrillicToLatin(char c) => c switch
    {
        'а' => 'a',
        'в' => 'b',
        'е' => 'e',
        'к' => 'k',
        'м' => 'm',
        'н' => 'h',
        'о' => 'o',
        'р' => 'p',
        'с' => 'c',
        'т' => 't',
        'у' => 'y',
        'х' => 'x',
        'і' => 'i',
        'ј' => 'j',
        'ѕ' => 's',
        'һ' => 'h',
        'ԁ' => 'd',
        'ԛ' => 'q',
        'ԝ' => 'w',
        _ => c,
    };

    private static char LatinToCyrillic(char c) => c switch
    {
        'a' => 'а',
        'b' => 'в',
        'e' => 'е',
        'k' => 'к',
        'm' => 'м',
        'h' => 'н',
        'o' => 'о',
        'p' => 'р',
        'c' => 'с',
        't' => 'т',
        'y' => 'у',
        'x' => 'х',
        'i' => 'і',
        _ => c,
    };
}

/// <summary>Words as the analyser sees them: runs of letters and digits; everything else separates them.</summary>
internal static class Words
{
    /// <summary>The start of the first word at or after <paramref name="from"/> (the text's length if none).</summary>
    public static int Start(ReadOnlySpan<char> text, int from)
    {
        while (from < text.Length && !char.IsLetterOrDigit(text[from]))
        {
            from++;
        }

        return from;
    }

    /// <summary>The end of the word that starts at <paramref name="start"/>.</summary>
    public static int End(ReadOnlySpan<char> text, int start)
    {
        while (start < text.Length && char.IsLetterOrDigit(text[start]))
        {
            start++;
        }

        return start;
    }
}
