using System.Text;
using System.Text.RegularExpressions;

namespace SafetyBot.Core.Analysis;

/// <summary>A compiled rule (or several merged rules of one category): what <see cref="SafetyAnalyzer"/> runs.</summary>
internal sealed record CompiledMatcher(string Category, int CategoryIndex, MessageRoleMask Roles, Regex Match, Regex? With, Regex? Unless, string RuleIds);

/// <summary>
/// Turns the pattern language of <c>analysis/README.md</c> into .NET regular expressions over folded text:
/// a space matches any run of spaces, punctuation or emoji; an apostrophe matches one or nothing; a
/// <c>*</c> right after a letter means "and any ending"; <c>~</c> between words allows up to three other words;
/// <c>{name}</c> inserts a term list; <c>( | ) ? [ ] +</c> work as in regular expressions; every
/// other character is literal; a pattern matches whole words only.
/// </summary>
internal sealed class LexiconCompiler
{
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(250);
    private const string Sep = @"[^\p{L}\p{N}]+";
    private const string Gap = @"[^\p{L}\p{N}]+(?:[\p{L}\p{N}]+[^\p{L}\p{N}]+){0,3}";
    private const string Options = "(?<![\\p{L}\\p{N}])(?:";
    private readonly Lexicon _lexicon;

    public LexiconCompiler(Lexicon lexicon)
    {
        _lexicon = lexicon;
    }

    /// <summary>Translates and parses every pattern once, so a broken file fails at load with its path.</summary>
    public void Validate()
    {
        foreach (var rule in _lexicon.Rules)
        {
            _ = Build(rule.Match, $"{rule.Path}.match", RegexOptions.None);
            _ = Build(rule.With, $"{rule.Path}.with", RegexOptions.None);
            _ = Build(rule.Unless, $"{rule.Path}.unless", RegexOptions.None);
        }
    }

    /// <summary>
    /// Compiled matchers: rules of a category without <c>with</c>/<c>unless</c> and with the same roles share
    /// one expression (one scan per category), the others get their own.
    /// </summary>
    public IReadOnlyList<CompiledMatcher> Compile(bool merge = true)
    {
        var result = new List<CompiledMatcher>();
        var plain = _lexicon.Rules.Where(r => merge && r.With.Count == 0 && r.Unless.Count == 0)
            .GroupBy(r => (r.Category, r.Roles));
        foreach (var group in plain)
        {
            var rules = group.ToList();
            result.Add(new CompiledMatcher(
                group.Key.Category,
                SignalCategories.Order[group.Key.Category],
                group.Key.Roles,
                Build(rules.SelectMany(r => r.Match).ToList(), rules[0].Path, RegexOptions.Compiled)!,
                null,
                null,
                string.Join(",", rules.Select(r => r.Id))));
        }

        foreach (var rule in _lexicon.Rules.Where(r => !merge || r.With.Count > 0 || r.Unless.Count > 0))
        {
            result.Add(Compile(rule, RegexOptions.Compiled));
        }

        return result.OrderBy(m => m.CategoryIndex).ToList();
    }

    public CompiledMatcher Compile(LexiconRule rule, RegexOptions options) => new(
        rule.Category,
        SignalCategories.Order[rule.Category],
        rule.Roles,
        Build(rule.Match, $"{rule.Path}.match", options)!,
        Build(rule.With, $"{rule.Path}.with", options),
        Build(rule.Unless, $"{rule.Path}.unless", options),
        rule.Id);

    private Regex? Build(IReadOnlyList<string> patterns, string path, RegexOptions options)
    {
        if (patterns.Count == 0)
        {
            return null;
        }

        var sb = new StringBuilder(Options);
        for (var i = 0; i < patterns.Count; i++)
        {
            if (i > 0)
            {
                sb.Append('|');
            }

            sb.Append("(?:").Append(Translate(patterns[i], $"{path}[{i}]", 0)).Append(')');
        }

        sb.Append(")(?![\\p{L}\\p{N}])");
        try
        {
            return new Regex(sb.ToString(), options | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, MatchTimeout);
        }
        catch (ArgumentException ex)
        {
            throw _lexicon.PatternError(path, $"not a valid pattern: {ex.Message}");
        }
    }

    internal string Translate(string pattern, string path, int depth)
    {
        if (depth > 4)
        {
            throw _lexicon.PatternError(path, "terms nest more than four levels deep (a term refers to itself?)");
        }

        var source = pattern.Trim();
        var sb = new StringBuilder(source.Length * 2);
        var inClass = false;
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            if (inClass)
            {
                if (c == ']')
                {
                    inClass = false;
                    sb.Append(c);
                }
                else if (c == '\\' && i + 1 < source.Length)
                {
                    sb.Append(c).Append(source[++i]);
                }
                else if (c == '-')
                {
                    sb.Append(c);
                }
                else
                {
                    AppendLiteral(sb, c);
                }

                continue;
            }

            switch (c)
            {
                case '\\':
                    if (i + 1 >= source.Length)
                    {
                        throw _lexicon.PatternError(path, "a pattern cannot end with \\");
                    }

                    sb.Append(c).Append(source[++i]);
                    break;
                case '[':
                    inClass = true;
                    sb.Append(c);
                    break;
                case '{':
                    var close = source.IndexOf('}', i);
                    if (close < 0)
                    {
                        throw _lexicon.PatternError(path, "'{' without '}'");
                    }

                    var name = source[(i + 1)..close];
                    if (!_lexicon.Terms.TryGetValue(name, out var alternatives))
                    {
                        throw _lexicon.PatternError(path, $"unknown term {{{name}}} (define it under \"terms\")");
                    }

                    sb.Append("(?:");
                    for (var k = 0; k < alternatives.Count; k++)
                    {
                        if (k > 0)
                        {
                            sb.Append('|');
                        }

                        sb.Append(Translate(alternatives[k], $"terms.{name}[{k}]", depth + 1));
                    }

                    sb.Append(')');
                    i = close;
                    break;
                case ' ':
                    var j = i;
                    while (j + 1 < source.Length && source[j + 1] == ' ')
                    {
                        j++;
                    }

                    if (j + 2 < source.Length && source[j + 1] == '~' && source[j + 2] == ' ')
                    {
                        j += 2;
                        while (j + 1 < source.Length && source[j + 1] == ' ')
                        {
                            j++;
                        }

                        sb.Append(Gap);
                    }
                    else if (sb.Length == 0 || sb[^1] is '(' or '|')
                    {
                        // A space at the start of an alternative is layout, not a separator.
                    }
                    else
                    {
                        sb.Append(Sep);
                    }

                    i = j;
                    break;
                case '~':
                    throw _lexicon.PatternError(path, "'~' must stand between two words, with a space on each side");
                case '*':
                    sb.Append(i > 0 && char.IsLetterOrDigit(source[i - 1]) ? @"[\p{L}\p{N}]*" : "*");
                    break;
                case '(' or ')' or '|' or '?' or '+' or ']':
                    sb.Append(c);
                    break;
                case '\'' or '\u2019' or '\u2018' or '\u02BC' or '`':
                    sb.Append("(?:").Append(Sep).Append(")?");
                    break;
                default:
                    AppendLiteral(sb, c);
                    break;
            }
        }

        if (inClass)
        {
            throw _lexicon.PatternError(path, "'[' without ']'");
        }

        return sb.ToString();
    }

    /// <summary>A literal character of a pattern, folded exactly as message text is.</summary>
    private void AppendLiteral(StringBuilder sb, char c)
    {
        var folded = _lexicon.FoldForLanguage(c.ToString());
        foreach (var f in folded)
        {
            sb.Append(char.IsLetterOrDigit(f) ? f.ToString() : Regex.Escape(f.ToString()));
        }
    }
}
