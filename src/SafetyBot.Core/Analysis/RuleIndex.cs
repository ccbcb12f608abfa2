using System.Collections.Frozen;

namespace SafetyBot.Core.Analysis;

/// <summary>One rule of one language, its patterns as indexes into <see cref="RuleIndex.Patterns"/>.</summary>
internal sealed record IndexedRule(
    int Language,
    string Id,
    string Category,
    int CategoryIndex,
    bool Crisis,
    MessageRoleMask Roles,
    int[] Match,
    int[] With,
    int[] Unless);

/// <summary>A pattern to try where its anchor occurs, when the next word is one of <see cref="Next"/> (if set).</summary>
internal readonly record struct AnchorTarget(int Pattern, Anchor[]? Next)
{
    public bool Allows(ReadOnlySpan<char> next)
    {
        if (Next is null)
        {
            return true;
        }

        foreach (var word in Next)
        {
            if (word.Exact ? next.SequenceEqual(word.Text) : next.StartsWith(word.Text, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Whole first words and word beginnings → the patterns that can match there.</summary>
internal sealed class AnchorIndex
{
    private readonly FrozenDictionary<string, AnchorTarget[]> _words;
    private readonly FrozenDictionary<string, AnchorTarget[]> _prefixes;

    public AnchorIndex(Dictionary<Anchor, List<int>> anchors)
    {
        _words = Group(anchors.Where(a => a.Key.Exact));
        _prefixes = Group(anchors.Where(a => !a.Key.Exact));
        Words = _words.GetAlternateLookup<ReadOnlySpan<char>>();
        Prefixes = _prefixes.GetAlternateLookup<ReadOnlySpan<char>>();
        PrefixLengths = [.. _prefixes.Keys.Select(k => k.Length).Distinct().Order()];
        LengthsByFirstLetter = _prefixes.Keys.GroupBy(k => k[0])
            .ToFrozenDictionary(g => g.Key, g => g.Aggregate(0UL, (mask, k) => mask | (1UL << Math.Min(k.Length, 63))));
    }

    /// <summary>Patterns whose first word is exactly the key.</summary>
    public FrozenDictionary<string, AnchorTarget[]>.AlternateLookup<ReadOnlySpan<char>> Words { get; }

    /// <summary>Patterns whose first word starts with the key.</summary>
    public FrozenDictionary<string, AnchorTarget[]>.AlternateLookup<ReadOnlySpan<char>> Prefixes { get; }

    private static FrozenDictionary<string, AnchorTarget[]> Group(IEnumerable<KeyValuePair<Anchor, List<int>>> anchors) =>
        anchors.SelectMany(kv => kv.Value.Select(id => (kv.Key.Text, Target: new AnchorTarget(id, kv.Key.Next))))
            .GroupBy(x => x.Text, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.Select(x => x.Target).ToArray(), StringComparer.Ordinal);

    /// <summary>The lengths of the prefixes, shortest first.</summary>
    public int[] PrefixLengths { get; }

    /// <summary>Per first letter, a bit per prefix length that exists (so most words need no prefix lookup at all).</summary>
    public FrozenDictionary<char, ulong> LengthsByFirstLetter { get; }

    public int Count => _words.Count + _prefixes.Count;
}

/// <summary>
/// Every rule of every language, compiled: each pattern a small regular expression, tried only at the words
/// whose beginning it needs (found with one dictionary lookup per word beginning), so the cost of a message
/// grows with its words, not with the number of rules.
/// </summary>
internal sealed class RuleIndex
{
    public RuleIndex(IReadOnlyList<Lexicon> lexicons)
    {
        var patterns = new List<CompiledPattern>();
        var patternRule = new List<int>();
        var isMatch = new List<bool>();
        var rules = new List<IndexedRule>();
        var shared = new Dictionary<Anchor, List<int>>();
        var own = new Dictionary<Anchor, List<int>>?[lexicons.Count];
        var unanchored = new List<int>[lexicons.Count];
        for (var l = 0; l < lexicons.Count; l++)
        {
            var lexicon = lexicons[l];
            var compiler = new LexiconCompiler(lexicon);
            var anchors = RewritesText(lexicon) ? own[l] = [] : shared;
            unanchored[l] = [];
            foreach (var rule in lexicon.Rules)
            {
                var ruleIndex = rules.Count;
                // "with" and "unless" patterns matter only once the rule matched: they scan the text then.
                int[] Add(IReadOnlyList<string> list, string kind) =>
                    [.. compiler.CompileAll(list, $"{rule.Path}.{kind}", anchored: kind == "match").Select(p =>
                    {
                        var id = patterns.Count;
                        patterns.Add(p);
                        patternRule.Add(ruleIndex);
                        isMatch.Add(kind == "match");
                        if (kind != "match")
                        {
                            return id;
                        }

                        if (p.Anchors is null)
                        {
                            unanchored[l].Add(id);
                        }
                        else
                        {
                            foreach (var a in p.Anchors)
                            {
                                if (!anchors.TryGetValue(a, out var ids))
                                {
                                    anchors[a] = ids = [];
                                }

                                ids.Add(id);
                            }
                        }

                        return id;
                    })];

                rules.Add(new IndexedRule(l, rule.Id, rule.Category, SignalCategories.Order[rule.Category], SignalCategories.IsCrisis(rule.Category),
                    rule.Roles, Add(rule.Match, "match"), Add(rule.With, "with"), Add(rule.Unless, "unless")));
            }
        }

        Patterns = [.. patterns];
        PatternRule = [.. patternRule];
        IsMatchPattern = [.. isMatch];
        Rules = [.. rules];
        Shared = new AnchorIndex(shared);
        Own = [.. own.Select(o => o is null ? null : new AnchorIndex(o))];
        Unanchored = [.. unanchored.Select(u => u.ToArray())];
    }

    public CompiledPattern[] Patterns { get; }

    public int[] PatternRule { get; }

    /// <summary>Whether a pattern is one of its rule's <c>match</c> patterns (not <c>with</c> or <c>unless</c>).</summary>
    public bool[] IsMatchPattern { get; }

    public IndexedRule[] Rules { get; }

    /// <summary>Anchors of the languages that read the shared folded text.</summary>
    public AnchorIndex Shared { get; }

    /// <summary>Per language that rewrites the text (its own folding or transliteration): its anchors; else null.</summary>
    public AnchorIndex?[] Own { get; }

    public int[][] Unanchored { get; }

    public static bool RewritesText(Lexicon lexicon) => lexicon.Fold.Count > 0 || lexicon.Transliterate.Count > 0;
}
