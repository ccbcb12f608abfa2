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

/// <summary>Whole first words and word beginnings → the patterns that can match there.</summary>
internal sealed class AnchorIndex
{
    private readonly FrozenDictionary<string, int[]> _words;
    private readonly FrozenDictionary<string, int[]> _prefixes;

    public AnchorIndex(Dictionary<Anchor, List<int>> anchors)
    {
        _words = anchors.Where(a => a.Key.Exact).ToFrozenDictionary(kv => kv.Key.Text, kv => kv.Value.Distinct().ToArray(), StringComparer.Ordinal);
        _prefixes = anchors.Where(a => !a.Key.Exact).ToFrozenDictionary(kv => kv.Key.Text, kv => kv.Value.Distinct().ToArray(), StringComparer.Ordinal);
        Words = _words.GetAlternateLookup<ReadOnlySpan<char>>();
        Prefixes = _prefixes.GetAlternateLookup<ReadOnlySpan<char>>();
        PrefixLengths = [.. _prefixes.Keys.Select(k => k.Length).Distinct().Order()];
    }

    /// <summary>Patterns whose first word is exactly the key.</summary>
    public FrozenDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> Words { get; }

    /// <summary>Patterns whose first word starts with the key.</summary>
    public FrozenDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> Prefixes { get; }

    /// <summary>The lengths of the prefixes, shortest first.</summary>
    public int[] PrefixLengths { get; }

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
        Rules = [.. rules];
        Shared = new AnchorIndex(shared);
        Own = [.. own.Select(o => o is null ? null : new AnchorIndex(o))];
        Unanchored = [.. unanchored.Select(u => u.ToArray())];
        RulesByLanguage = [.. Enumerable.Range(0, lexicons.Count).Select(l => Rules.Where(r => r.Language == l).ToArray())];
    }

    public CompiledPattern[] Patterns { get; }

    public int[] PatternRule { get; }

    public IndexedRule[] Rules { get; }

    /// <summary>Anchors of the languages that read the shared folded text.</summary>
    public AnchorIndex Shared { get; }

    /// <summary>Per language that rewrites the text (its own folding or transliteration): its anchors; else null.</summary>
    public AnchorIndex?[] Own { get; }

    public int[][] Unanchored { get; }

    public IndexedRule[][] RulesByLanguage { get; }

    public static bool RewritesText(Lexicon lexicon) => lexicon.Fold.Count > 0 || lexicon.Transliterate.Count > 0;
}
