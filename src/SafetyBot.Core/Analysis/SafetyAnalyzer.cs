using System.Text.RegularExpressions;
using SafetyBot.Core.Localization;

namespace SafetyBot.Core.Analysis;

/// <summary>Where the analyser's language files live.</summary>
public sealed class AnalysisOptions
{
    public const string SectionName = "Analysis";

    /// <summary>Longest text analysed; longer input is analysed up to this many characters.</summary>
    public const int MaxCharacters = 32 * 1024;
}

/// <summary>
/// Explainable warning-sign and crisis detection: readable rules per language from <c>analysis/*.json</c>,
/// compiled once at start-up. Thread-safe; nothing about the text is stored or logged.
/// </summary>
/// <remarks>
/// For one message: fold the text (<see cref="NormalizedText"/>), tell its language, run that language's rules
/// (and those of the person's locale when it differs but uses the same script); and — unless the message is
/// one the person received — run the crisis rules of every language, so that a crisis is found even when the
/// language is told wrongly.
/// </remarks>
public sealed class SafetyAnalyzer
{
    [ThreadStatic]
    private static Buffers? t_buffers;

    private readonly LanguageState[] _languages;
    private readonly LanguageDetector _detector;

    public SafetyAnalyzer(IReadOnlyList<Lexicon> lexicons)
    {
        ArgumentNullException.ThrowIfNull(lexicons);
        _languages = lexicons.Select(l => new LanguageState(l, new LexiconCompiler(l).Compile())).ToArray();
        _detector = new LanguageDetector(lexicons);
        Lexicons = lexicons;
    }

    public IReadOnlyList<Lexicon> Lexicons { get; }

    public IEnumerable<string> Languages => _languages.Select(l => l.Lexicon.Code);

    /// <summary>Regex matches abandoned at the time limit since start-up (a rule to simplify).</summary>
    public long Timeouts => Interlocked.Read(ref _timeouts);

    private long _timeouts;

    public static SafetyAnalyzer Load(string folder) => new(Lexicon.LoadFolder(folder));

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<SafetyAnalyzer>> Shared = new(StringComparer.Ordinal);

    /// <summary>
    /// One compiled analyser per folder and file version for the whole process (several hosts in one process
    /// share it); a changed file is loaded and checked again.
    /// </summary>
    public static SafetyAnalyzer LoadShared(string folder)
    {
        var full = Path.GetFullPath(folder);
        var version = Directory.Exists(full)
            ? string.Join("|", Directory.GetFiles(full, "*.json").Order(StringComparer.Ordinal)
                .Select(f => $"{f}@{File.GetLastWriteTimeUtc(f).Ticks}:{new FileInfo(f).Length}"))
            : string.Empty;
        var lazy = Shared.GetOrAdd(version.Length == 0 ? full : version, _ => new Lazy<SafetyAnalyzer>(() => Load(full)));
        try
        {
            return lazy.Value;
        }
        catch
        {
            Shared.TryRemove(version.Length == 0 ? full : version, out _);
            throw;
        }
    }

    public static string LocateFolder(string contentRoot) => Path.Combine(contentRoot, "analysis");

    public AnalysisResult Analyze(string? text, string? locale = null, MessageRole role = MessageRole.Unknown)
    {
        var hint = HintIndex(locale);
        if (string.IsNullOrEmpty(text))
        {
            return new AnalysisResult(hint >= 0 ? _languages[hint].Lexicon.Code : "und", [], false);
        }

        var source = text.AsSpan(0, Math.Min(text.Length, AnalysisOptions.MaxCharacters));
        var buffers = t_buffers ??= new Buffers();
        Span<int> letterHits = stackalloc int[_languages.Length];
        var normalized = buffers.Base;
        normalized.Load(source, letterHits, _detector.Letters);

        var (language, transliterated) = _detector.Detect(normalized, letterHits, hint);
        if (language < 0)
        {
            return new AnalysisResult("und", [], false);
        }

        var found = new Found(source);
        var roleMask = role switch
        {
            MessageRole.User => MessageRoleMask.User,
            MessageRole.Received => MessageRoleMask.Received,
            _ => MessageRoleMask.Any,
        };
        var crisisAllowed = role != MessageRole.Received;

        Run(language, transliterated, normalized, buffers, ref found, roleMask, crisisAllowed, crisisOnly: false);
        if (hint >= 0 && hint != language && _languages[hint].Lexicon.Script == _languages[language].Lexicon.Script)
        {
            Run(hint, false, normalized, buffers, ref found, roleMask, crisisAllowed, crisisOnly: false);
        }

        if (crisisAllowed)
        {
            for (var k = 0; k < _languages.Length; k++)
            {
                if (k != language && k != hint)
                {
                    Run(k, false, normalized, buffers, ref found, roleMask, crisisAllowed, crisisOnly: true);
                }
            }
        }

        return found.ToResult(_languages[language].Lexicon.Code);
    }

    /// <summary>Folds the text only (the benchmark's baseline).</summary>
    internal int FoldLength(string text)
    {
        var buffers = t_buffers ??= new Buffers();
        Span<int> letterHits = stackalloc int[_languages.Length];
        buffers.Base.Load(text, letterHits, _detector.Letters);
        return buffers.Base.Length;
    }

    /// <summary>Whether one compiled rule, alone, flags <paramref name="text"/> (for rule examples; uses the first language).</summary>
    internal bool MatchesRule(CompiledMatcher matcher, string text)
    {
        var buffers = t_buffers ??= new Buffers();
        Span<int> letterHits = stackalloc int[_languages.Length];
        buffers.Base.Load(text.AsSpan(0, Math.Min(text.Length, AnalysisOptions.MaxCharacters)), letterHits, _detector.Letters);
        var (_, transliterated) = _detector.Detect(buffers.Base, letterHits, 0);
        var state = _languages[0];
        var target = buffers.Base;
        if (transliterated || state.Lexicon.Fold.Count > 0)
        {
            state.Rewrite(buffers.Base, buffers.Language, transliterated);
            target = buffers.Language;
        }

        var span = target.Span;
        return TryMatch(matcher.Match, span, out _, out _)
            && (matcher.With is null || TryMatch(matcher.With, span, out _, out _))
            && (matcher.Unless is null || !TryMatch(matcher.Unless, span, out _, out _));
    }

    private int HintIndex(string? locale)
    {
        if (string.IsNullOrWhiteSpace(locale))
        {
            return -1;
        }

        var dash = locale.IndexOfAny(['-', '_']);
        var code = (dash > 0 ? locale[..dash] : locale).Trim().ToLowerInvariant();
        for (var i = 0; i < _languages.Length; i++)
        {
            if (_languages[i].Lexicon.Code == code)
            {
                return i;
            }
        }

        return -1;
    }

    private void Run(int index, bool transliterated, NormalizedText normalized, Buffers buffers, ref Found found, MessageRoleMask roleMask, bool crisisAllowed, bool crisisOnly)
    {
        var state = _languages[index];
        var text = normalized;
        var viaLanguage = false;
        if (transliterated || state.Lexicon.Fold.Count > 0)
        {
            state.Rewrite(normalized, buffers.Language, transliterated);
            text = buffers.Language;
            viaLanguage = true;
        }

        var span = text.Span;
        foreach (var matcher in state.Matchers)
        {
            var crisis = SignalCategories.IsCrisis(matcher.Category);
            if ((crisisOnly && !crisis) || (crisis && !crisisAllowed) || (matcher.Roles & roleMask) == 0 || found.Has(matcher.CategoryIndex))
            {
                continue;
            }

            if (!TryMatch(matcher.Match, span, out var start, out var length))
            {
                continue;
            }

            var evidence = Quote(found.Source, normalized, text, viaLanguage, start, length);
            if (matcher.With is not null)
            {
                if (!TryMatch(matcher.With, span, out var wStart, out var wLength))
                {
                    continue;
                }

                var other = Quote(found.Source, normalized, text, viaLanguage, wStart, wLength);
                evidence = wStart < start ? $"{other} … {evidence}" : $"{evidence} … {other}";
            }

            if (matcher.Unless is not null && TryMatch(matcher.Unless, span, out _, out _))
            {
                continue;
            }

            found.Add(matcher.CategoryIndex, evidence);
        }
    }

    private bool TryMatch(Regex regex, ReadOnlySpan<char> span, out int start, out int length)
    {
        try
        {
            foreach (var m in regex.EnumerateMatches(span))
            {
                (start, length) = (m.Index, m.Length);
                return true;
            }
        }
        catch (RegexMatchTimeoutException)
        {
            Interlocked.Increment(ref _timeouts);
        }

        (start, length) = (0, 0);
        return false;
    }

    /// <summary>The original words behind a match: what the person saw, not the folded form.</summary>
    private static string Quote(ReadOnlySpan<char> source, NormalizedText normalized, NormalizedText text, bool viaLanguage, int start, int length)
    {
        int ToBase(int i) => viaLanguage ? text.SourceIndex(i) : i;
        var baseStart = ToBase(start);
        var baseEnd = start + length < text.Length ? ToBase(start + length) : normalized.Length;
        var from = normalized.SourceIndex(baseStart);
        var to = baseEnd < normalized.Length ? normalized.SourceIndex(baseEnd) : source.Length;
        if (to <= from)
        {
            to = Math.Min(source.Length, from + 1);
        }

        var quote = source[from..to].Trim();
        if (quote.Length > 200)
        {
            quote = quote[..200];
        }

        return quote.ToString();
    }

    private sealed class Buffers
    {
        public NormalizedText Base { get; } = new();

        public NormalizedText Language { get; } = new();
    }

    private sealed class LanguageState(Lexicon lexicon, IReadOnlyList<CompiledMatcher> matchers)
    {
        public Lexicon Lexicon { get; } = lexicon;

        public CompiledMatcher[] Matchers { get; } = [.. matchers];

        /// <summary>The text as this language's rules read it: transliterated to its letters, then its own folding.</summary>
        public void Rewrite(NormalizedText from, NormalizedText to, bool transliterate)
        {
            to.Begin();
            var span = from.Span;
            var i = 0;
            while (i < span.Length)
            {
                var c = span[i];
                if (transliterate && c is >= 'a' and <= 'z')
                {
                    var matched = false;
                    foreach (var (latin, native) in Lexicon.Transliterate)
                    {
                        if (span[i..].StartsWith(latin, StringComparison.Ordinal))
                        {
                            foreach (var n in native)
                            {
                                to.Add(n, i);
                            }

                            i += latin.Length;
                            matched = true;
                            break;
                        }
                    }

                    if (matched)
                    {
                        continue;
                    }
                }

                AddFolded(to, c, i);
                i++;
            }
        }

        private void AddFolded(NormalizedText to, char c, int index)
        {
            if (Lexicon.Fold.TryGetValue(c, out var replacement))
            {
                foreach (var r in replacement)
                {
                    to.Add(r, index);
                }
            }
            else
            {
                to.Add(c, index);
            }
        }
    }

    /// <summary>Categories found so far (one piece of evidence each), in category order.</summary>
    private ref struct Found(ReadOnlySpan<char> source)
    {
        private string?[]? _evidence;

        public ReadOnlySpan<char> Source { get; } = source;

        public readonly bool Has(int category) => _evidence is not null && _evidence[category] is not null;

        public void Add(int category, string evidence)
        {
            _evidence ??= new string?[SignalCategories.All.Count];
            _evidence[category] = evidence;
        }

        public readonly AnalysisResult ToResult(string language)
        {
            if (_evidence is null)
            {
                return new AnalysisResult(language, [], false);
            }

            var signals = new List<AnalysisSignal>();
            var crisis = false;
            for (var i = 0; i < _evidence.Length; i++)
            {
                if (_evidence[i] is { } e)
                {
                    var category = SignalCategories.All[i];
                    signals.Add(new AnalysisSignal(category, e));
                    crisis |= SignalCategories.IsCrisis(category);
                }
            }

            return new AnalysisResult(language, signals, crisis);
        }
    }
}
