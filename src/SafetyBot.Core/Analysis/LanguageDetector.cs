using System.Collections.Frozen;

namespace SafetyBot.Core.Analysis;

/// <summary>Letters that only some languages use (ñ, ł, ş, ї …): letter → bit mask of languages.</summary>
internal sealed class LetterIndex
{
    private readonly FrozenDictionary<char, ulong> _masks;

    public LetterIndex(IReadOnlyList<Lexicon> lexicons)
    {
        var masks = new Dictionary<char, ulong>();
        for (var i = 0; i < lexicons.Count; i++)
        {
            foreach (var c in lexicons[i].DetectLetters)
            {
                foreach (var form in new[] { char.ToLowerInvariant(c), char.ToUpperInvariant(c) })
                {
                    masks[form] = masks.GetValueOrDefault(form) | (1UL << i);
                }
            }
        }

        _masks = masks.ToFrozenDictionary();
    }

    public void Count(char c, Span<int> hits)
    {
        if (_masks.Count == 0 || !_masks.TryGetValue(c, out var mask))
        {
            return;
        }

        for (var i = 0; mask != 0; i++, mask >>= 1)
        {
            if ((mask & 1) != 0)
            {
                hits[i]++;
            }
        }
    }
}

/// <summary>
/// Tells the language of a message from its text alone: the script most of its letters use; then, among the
/// languages written in that script, the one whose distinctive letters and common words occur most; Latin text
/// can also be a language written in transliteration (Russian typed in Latin letters). The locale the person
/// uses breaks ties.
/// </summary>
internal sealed class LanguageDetector
{
    private readonly IReadOnlyList<Lexicon> _lexicons;
    private readonly FrozenDictionary<string, (ulong Native, ulong Latin)> _words;
    private readonly FrozenDictionary<string, (ulong Native, ulong Latin)>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public LanguageDetector(IReadOnlyList<Lexicon> lexicons)
    {
        if (lexicons.Count > 64)
        {
            throw new ArgumentException("At most 64 languages are supported.", nameof(lexicons));
        }

        _lexicons = lexicons;
        Letters = new LetterIndex(lexicons);
        var words = new Dictionary<string, (ulong Native, ulong Latin)>(StringComparer.Ordinal);
        for (var i = 0; i < lexicons.Count; i++)
        {
            foreach (var w in lexicons[i].DetectWords)
            {
                var key = TextFolding.FoldString(w); // as the text is read for detection: before any language's own folding
                var v = words.GetValueOrDefault(key);
                words[key] = (v.Native | (1UL << i), v.Latin);
            }

            foreach (var w in lexicons[i].LatinWords)
            {
                var key = TextFolding.FoldString(w);
                var v = words.GetValueOrDefault(key);
                words[key] = (v.Native, v.Latin | (1UL << i));
            }
        }

        _words = words.ToFrozenDictionary(StringComparer.Ordinal);
        _lookup = _words.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public LetterIndex Letters { get; }

    /// <summary>The detected language (index into the lexicons, or -1 when the text has no letters) and whether it is transliterated.</summary>
    public (int Language, bool Transliterated) Detect(NormalizedText text, ReadOnlySpan<int> letterHits, int hint) =>
        Detect(text, letterHits, hint, out _);

    /// <summary>
    /// As <see cref="Detect(NormalizedText, ReadOnlySpan{int}, int)"/>; <paramref name="closeSecond"/> is another
    /// language of the same script that scored within one word of the winner (-1 if none): short messages
    /// are often ambiguous, and the analyser then runs that language's rules as well.
    /// </summary>
    public (int Language, bool Transliterated) Detect(NormalizedText text, ReadOnlySpan<int> letterHits, int hint, out int closeSecond)
    {
        closeSecond = -1;
        var script = text.Arabic > text.Cyrillic && text.Arabic > text.Latin ? "Arabic"
            : text.Cyrillic > text.Latin ? "Cyrillic"
            : text.Latin > 0 ? "Latin"
            : null;
        if (script is null)
        {
            return (hint, false);
        }

        var n = _lexicons.Count;
        Span<int> native = stackalloc int[n];
        Span<int> latin = stackalloc int[n];
        var span = text.Span;
        for (var start = Words.Start(span, 0); start < span.Length;)
        {
            var end = Words.End(span, start);
            if (_lookup.TryGetValue(span[start..end], out var masks))
            {
                Add(native, masks.Native);
                Add(latin, masks.Latin);
            }

            start = Words.Start(span, end);
        }

        var best = -1;
        var bestScore = 0.0;
        var transliterated = false;
        var second = -1;
        var secondScore = 0.0;
        for (var k = 0; k < n; k++)
        {
            var lex = _lexicons[k];
            var bonus = k == hint ? 0.5 : 0;
            if (lex.Script == script)
            {
                var score = native[k] + (2.0 * letterHits[k]) + bonus;
                if (score > bestScore)
                {
                    if (best >= 0 && !transliterated)
                    {
                        (second, secondScore) = (best, bestScore);
                    }

                    (best, bestScore, transliterated) = (k, score, false);
                }
                else if (score > secondScore)
                {
                    (second, secondScore) = (k, score);
                }
            }

            if (script == "Latin" && latin[k] > 0)
            {
                // A transliterated language needs more evidence than a native one.
                var score = latin[k] - 0.5 + bonus;
                if (score > bestScore)
                {
                    (best, bestScore, transliterated) = (k, score, true);
                }
            }
        }

        if (best >= 0 && bestScore >= 1)
        {
            if (second >= 0 && second != best && secondScore >= 1 && secondScore >= bestScore - 1)
            {
                closeSecond = second;
            }

            return (best, transliterated);
        }

        // Nothing distinctive: the hint when it is written in this script, else the script's first language.
        if (hint >= 0 && _lexicons[hint].Script == script)
        {
            return (hint, false);
        }

        for (var k = 0; k < n; k++)
        {
            if (_lexicons[k].Script == script && (script != "Latin" || _lexicons[k].Code == "en"))
            {
                return (k, false);
            }
        }

        return (best, transliterated);
    }

    private static void Add(Span<int> counts, ulong mask)
    {
        for (var i = 0; mask != 0; i++, mask >>= 1)
        {
            if ((mask & 1) != 0)
            {
                counts[i]++;
            }
        }
    }
}
