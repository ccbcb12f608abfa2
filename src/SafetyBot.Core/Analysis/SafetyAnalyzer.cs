using System.Text.RegularExpressions;
using SafetyBot.Core.Localization;

namespace SafetyBot.Core.Analysis;

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
    /// <summary>Longest text analysed; longer input is analysed up to this many characters.</summary>
    public const int MaxCharacters = 32 * 1024;

    [ThreadStatic]
    private static Buffers? t_buffers;

    private readonly LanguageState[] _languages;
    private readonly LanguageDetector _detector;
    private readonly RuleIndex _index;

    public SafetyAnalyzer(IReadOnlyList<Lexicon> lexicons)
    {
        ArgumentNullException.ThrowIfNull(lexicons);
        _languages = lexicons.Select(l => new LanguageState(l)).ToArray();
        _detector = new LanguageDetector(lexicons);
        _index = new RuleIndex(lexicons);
        Lexicons = lexicons;
    }

    internal RuleIndex Index => _index;

    public IReadOnlyList<Lexicon> Lexicons { get; }

    public IEnumerable<string> Languages => _languages.Select(l => l.Lexicon.Code);

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

        var source = text.AsSpan(0, Math.Min(text.Length, MaxCharacters));
        var buffers = t_buffers ??= new Buffers();
        Span<int> letterHits = stackalloc int[_languages.Length];
        var normalized = buffers.Base;
        normalized.Load(source, letterHits, _detector.Letters);

        var (language, transliterated) = _detector.Detect(normalized, letterHits, hint, out var closeSecond);
        if (language < 0)
        {
            return new AnalysisResult("und", [], false);
        }

        var crisisAllowed = role != MessageRole.Received;
        var roleMask = role switch
        {
            MessageRole.User => MessageRoleMask.User,
            MessageRole.Received => MessageRoleMask.Received,
            _ => MessageRoleMask.Any,
        };

        // Which languages' rules run: all of the detected language's and of the person's own (same script);
        // the crisis rules of every other language, unless the message is one the person received.
        Span<byte> modes = stackalloc byte[_languages.Length];
        for (var k = 0; k < modes.Length; k++)
        {
            modes[k] = crisisAllowed ? CrisisOnly : Off;
        }

        modes[language] = Full;
        if (hint >= 0 && _languages[hint].Lexicon.Script == _languages[language].Lexicon.Script)
        {
            modes[hint] = Full;
        }

        if (closeSecond >= 0)
        {
            modes[closeSecond] = Full; // a short or mixed message: the nearly-as-likely language's rules too
        }

        var found = new Found(source);
        var state = buffers.State(_index.Patterns.Length);
        Span<int> order = stackalloc int[_languages.Length];
        Order(language, hint, order);
        try
        {
            // Languages that read the shared folded text: one pass over its words for all of them.
            Try(_index.Shared, normalized.Span, modes, roleMask, crisisAllowed, state);
            foreach (var k in order)
            {
                if (modes[k] != Off && _index.Own[k] is null)
                {
                    TryUnanchored(k, normalized.Span, modes, roleMask, crisisAllowed, state);
                    Evaluate(k, normalized, normalized, viaLanguage: false, modes[k], roleMask, crisisAllowed, state, ref found);
                }
            }

            // Languages with their own folding or transliteration: each on its own rewritten copy.
            foreach (var k in order)
            {
                if (modes[k] != Off && _index.Own[k] is { } own)
                {
                    _languages[k].Rewrite(normalized, buffers.Language, transliterated && k == language);
                    Try(own, buffers.Language.Span, modes, roleMask, crisisAllowed, state);
                    TryUnanchored(k, buffers.Language.Span, modes, roleMask, crisisAllowed, state);
                    Evaluate(k, normalized, buffers.Language, viaLanguage: true, modes[k], roleMask, crisisAllowed, state, ref found);
                }
            }
        }
        finally
        {
            state.Reset();
        }

        return found.ToResult(_languages[language].Lexicon.Code);
    }

    private const byte Off = 0;
    private const byte CrisisOnly = 1;
    private const byte Full = 2;

    /// <summary>The detected language first, then the person's, then the others: the first evidence wins.</summary>
    private static void Order(int language, int hint, Span<int> order)
    {
        var n = 0;
        order[n++] = language;
        if (hint >= 0 && hint != language)
        {
            order[n++] = hint;
        }

        for (var k = 0; k < order.Length; k++)
        {
            if (k != language && k != hint)
            {
                order[n++] = k;
            }
        }
    }

    private bool Wanted(int pattern, ReadOnlySpan<byte> modes, MessageRoleMask roleMask, bool crisisAllowed)
    {
        var rule = _index.Rules[_index.PatternRule[pattern]];
        var mode = modes[rule.Language];
        return mode != Off
            && (mode == Full || rule.Crisis)
            && (!rule.Crisis || crisisAllowed)
            && (rule.Roles & roleMask) != 0;
    }

    /// <summary>At every word beginning, the patterns anchored there, each tried at that position only.</summary>
    private void Try(AnchorIndex anchors, ReadOnlySpan<char> text, ReadOnlySpan<byte> modes, MessageRoleMask roleMask, bool crisisAllowed, MatchState state)
    {
        if (anchors.Count == 0)
        {
            return;
        }

        var nextStart = Words.Start(text, 0);
        while (nextStart < text.Length)
        {
            // This word, and the next one for patterns whose second word is literal.
            var i = nextStart;
            var end = Words.End(text, i);
            nextStart = Words.Start(text, end);
            var next = text[nextStart..Words.End(text, nextStart)];
            if (anchors.Words.TryGetValue(text[i..end], out var exact))
            {
                TryAt(exact, text, i, next, modes, roleMask, crisisAllowed, state);
            }

            if (anchors.LengthsByFirstLetter.TryGetValue(text[i], out var lengths))
            {
                var wordLength = end - i;
                for (var length = 1; lengths >> length != 0 && length <= wordLength && length < 64; length++)
                {
                    if ((lengths & (1UL << length)) != 0
                        && anchors.Prefixes.TryGetValue(text.Slice(i, length), out var targets))
                    {
                        TryAt(targets, text, i, next, modes, roleMask, crisisAllowed, state);
                    }
                }
            }
        }
    }

    private void TryAt(AnchorTarget[] targets, ReadOnlySpan<char> text, int at, ReadOnlySpan<char> next, ReadOnlySpan<byte> modes, MessageRoleMask roleMask, bool crisisAllowed, MatchState state)
    {
        foreach (var target in targets)
        {
            var id = target.Pattern;
            if (!target.Allows(next))
            {
                continue;
            }

            if (state.Start[id] < 0 && Wanted(id, modes, roleMask, crisisAllowed))
            {
                if (AttemptsByPattern is { } counts)
                {
                    counts[id]++;
                }

                if (TryMatch(_index.Patterns[id].Regex, text, at, out var start, out var matched))
                {
                    state.Record(id, start, matched);
                    state.Fired(_index.PatternRule[id]);
                }
            }
        }
    }

    /// <summary>For the benchmark's profile: how often each pattern is tried.</summary>
    internal static int[]? AttemptsByPattern { get; set; }

    private void TryUnanchored(int language, ReadOnlySpan<char> text, ReadOnlySpan<byte> modes, MessageRoleMask roleMask, bool crisisAllowed, MatchState state)
    {
        foreach (var id in _index.Unanchored[language])
        {
            if (state.Start[id] < 0 && Wanted(id, modes, roleMask, crisisAllowed) && TryMatch(_index.Patterns[id].Regex, text, 0, out var start, out var matched))
            {
                state.Record(id, start, matched);
                state.Fired(_index.PatternRule[id]);
            }
        }
    }

    /// <summary>A language's rules on what its patterns matched: match, and a <c>with</c> if any, and no <c>unless</c>.</summary>
    private void Evaluate(int language, NormalizedText normalized, NormalizedText text, bool viaLanguage, byte mode, MessageRoleMask roleMask, bool crisisAllowed, MatchState state, ref Found found)
    {
        state.SortRules();
        foreach (var ruleIndex in state.Rules)
        {
            var rule = _index.Rules[ruleIndex];
            if (rule.Language != language)
            {
                continue;
            }

            if ((mode != Full && !rule.Crisis) || (rule.Crisis && !crisisAllowed) || (rule.Roles & roleMask) == 0 || found.Has(rule.CategoryIndex))
            {
                continue;
            }

            if (First(rule.Match, state) is not { } match)
            {
                continue;
            }

            if (rule.Unless.Length > 0 && Scan(rule.Unless, text.Span, state) is not null)
            {
                continue;
            }

            var evidence = Quote(found.Source, normalized, text, viaLanguage, match.Start, match.Length);
            if (rule.With.Length > 0)
            {
                if (Scan(rule.With, text.Span, state) is not { } with)
                {
                    continue;
                }

                var other = Quote(found.Source, normalized, text, viaLanguage, with.Start, with.Length);
                evidence = with.Start < match.Start ? $"{other} … {evidence}" : $"{evidence} … {other}";
            }

            found.Add(rule.CategoryIndex, evidence);
        }
    }

    /// <summary>The earliest match of some "with" or "unless" patterns, each scanned once per message when first needed.</summary>
    private (int Start, int Length)? Scan(int[] patterns, ReadOnlySpan<char> text, MatchState state)
    {
        foreach (var id in patterns)
        {
            if (state.Start[id] == MatchState.Untried)
            {
                if (TryMatch(_index.Patterns[id].Regex, text, 0, out var start, out var length))
                {
                    state.Record(id, start, length);
                }
                else
                {
                    state.Record(id, MatchState.NoMatch, 0);
                }
            }
        }

        return First(patterns, state);
    }

    /// <summary>The earliest match among some patterns, if any matched.</summary>
    private static (int Start, int Length)? First(int[] patterns, MatchState state)
    {
        (int Start, int Length)? best = null;
        foreach (var id in patterns)
        {
            var start = state.Start[id];
            if (start >= 0 && (best is null || start < best.Value.Start))
            {
                best = (start, state.Length[id]);
            }
        }

        return best;
    }

    /// <summary>Folds the text only (the benchmark's baseline).</summary>
    internal int FoldLength(string text)
    {
        var buffers = t_buffers ??= new Buffers();
        Span<int> letterHits = stackalloc int[_languages.Length];
        buffers.Base.Load(text, letterHits, _detector.Letters);
        return buffers.Base.Length;
    }

    /// <summary>Whether rule <paramref name="rule"/> of the first language, alone, flags <paramref name="text"/> (rule examples).</summary>
    internal bool MatchesRule(int rule, string text)
    {
        var buffers = t_buffers ??= new Buffers();
        Span<int> letterHits = stackalloc int[_languages.Length];
        var normalized = buffers.Base;
        normalized.Load(text.AsSpan(0, Math.Min(text.Length, MaxCharacters)), letterHits, _detector.Letters);
        var (_, transliterated) = _detector.Detect(normalized, letterHits, 0);
        Span<byte> modes = stackalloc byte[_languages.Length];
        modes[0] = Full;
        var state = buffers.State(_index.Patterns.Length);
        try
        {
            var span = normalized.Span;
            if (_index.Own[0] is { } own)
            {
                _languages[0].Rewrite(normalized, buffers.Language, transliterated);
                span = buffers.Language.Span;
                Try(own, span, modes, MessageRoleMask.Any, true, state);
            }
            else
            {
                Try(_index.Shared, span, modes, MessageRoleMask.Any, true, state);
            }

            TryUnanchored(0, span, modes, MessageRoleMask.Any, true, state);
            var r = _index.Rules[rule]; // the first language's rules come first
            return First(r.Match, state) is not null
                && (r.With.Length == 0 || Scan(r.With, span, state) is not null)
                && (r.Unless.Length == 0 || Scan(r.Unless, span, state) is null);
        }
        finally
        {
            state.Reset();
        }
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

    private static bool TryMatch(Regex regex, ReadOnlySpan<char> span, int at, out int start, out int length)
    {
        foreach (var m in regex.EnumerateMatches(span, at))
        {
            (start, length) = (m.Index, m.Length);
            return true;
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
        private MatchState? _state;

        public NormalizedText Base { get; } = new();

        public NormalizedText Language { get; } = new();

        public MatchState State(int patterns) => _state is { } s && s.Start.Length == patterns ? s : _state = new MatchState(patterns);
    }

    /// <summary>Where each pattern first matched in this message (-1: not yet); reset after each message.</summary>
    private sealed class MatchState
    {
        private readonly List<int> _touched = [];

        public const int Untried = -1;
        public const int NoMatch = -2;

        public MatchState(int patterns)
        {
            Start = new int[patterns];
            Length = new int[patterns];
            Array.Fill(Start, -1);
        }

        public int[] Start { get; }

        public int[] Length { get; }

        public void Record(int pattern, int start, int length)
        {
            Start[pattern] = start;
            Length[pattern] = length;
            _touched.Add(pattern);
        }

        /// <summary>Rules whose <c>match</c> matched somewhere in this message (in rule order once sorted).</summary>
        public List<int> Rules { get; } = [];

        private bool _sorted = true;

        public void Fired(int rule)
        {
            Rules.Add(rule);
            _sorted = false;
        }

        public void SortRules()
        {
            if (!_sorted)
            {
                Rules.Sort();
                _sorted = true;
            }
        }

        public void Reset()
        {
            foreach (var p in _touched)
            {
                Start[p] = -1;
            }

            _touched.Clear();
            Rules.Clear();
            _sorted = true;
        }
    }

    private sealed class LanguageState(Lexicon lexicon)
    {
        public Lexicon Lexicon { get; } = lexicon;

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
