using System.Text;
using System.Text.RegularExpressions;

namespace SafetyBot.Core.Analysis;

/// <summary>One pattern ready to run: anchored at a word start when its first word has literal letters.</summary>
internal sealed record CompiledPattern(Regex Regex, IReadOnlySet<Anchor>? Anchors);

/// <summary>
/// Letters a match starts with: the whole first word (<paramref name="Exact"/>) or its beginning; and, when the
/// pattern's second word is literal, that word (or its beginning), checked before the pattern is tried.
/// </summary>
internal readonly record struct Anchor(string Text, bool Exact, Anchor[]? Next = null);

/// <summary>
/// Turns the pattern language of <c>analysis/README.md</c> into .NET regular expressions over folded text:
/// a space matches any run of spaces, punctuation or emoji; an apostrophe matches one or nothing; a
/// <c>*</c> right after a letter means "and any ending"; <c>~</c> between words allows up to three other words;
/// <c>{name}</c> inserts a term list; <c>( | ) ? [ ] +</c> work as in regular expressions; every
/// other character is literal; a pattern matches whole words only.
/// </summary>
internal sealed class LexiconCompiler
{
    private const string Sep = @"[^\p{L}\p{N}]+";
    private const string Gap = @"[^\p{L}\p{N}]+(?:[\p{L}\p{N}]+[^\p{L}\p{N}]+){0,3}";
    private readonly Lexicon _lexicon;

    public LexiconCompiler(Lexicon lexicon)
    {
        _lexicon = lexicon;
    }

    public IReadOnlyList<CompiledPattern> CompileAll(IReadOnlyList<string> patterns, string path, bool anchored = true) =>
        patterns.Select((p, i) => CompilePattern(p, $"{path}[{i}]", anchored)).ToList();

    /// <summary>
    /// A pattern whose first word starts with known letters is tried only where a word starting with them occurs
    /// (<c>\G</c>: at that position only); any other pattern scans the whole text.
    /// </summary>
    public CompiledPattern CompilePattern(string pattern, string path, bool anchored = true)
    {
        var body = Translate(pattern, path, 0);
        var anchors = anchored ? Anchors(pattern.Trim(), path, 0) : null;
        var expression = anchors is null
            ? $"(?<![\\p{{L}}\\p{{N}}])(?:{body})(?![\\p{{L}}\\p{{N}}])"
            : $"\\G(?:{body})(?![\\p{{L}}\\p{{N}}])";
        try
        {
            return new CompiledPattern(new Regex(expression, RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture), anchors);
        }
        catch (ArgumentException ex)
        {
            throw _lexicon.PatternError(path, $"not a valid pattern: {ex.Message}");
        }
    }

    /// <summary>
    /// The literal beginnings a match must start with (folded like the text), or null when the pattern can start
    /// with something else (a character class, a symbol).
    /// </summary>
    internal HashSet<Anchor>? Anchors(string pattern, string path, int depth, bool withNext = true)
    {
        if (depth > 12)
        {
            return null;
        }

        var prefix = new StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '(' || c == '{')
            {
                var (alternatives, next) = c == '(' ? Group(pattern, i) : Term(pattern, i, path);
                if (alternatives is null || (prefix.Length > 0 && alternatives.Count > 64))
                {
                    return prefix.Length > 0 ? Single(prefix, exact: false) : null;
                }

                var rest = pattern[next..];
                var optional = rest.StartsWith('?') || rest.StartsWith('*');
                if (optional || rest.StartsWith('+'))
                {
                    rest = rest[1..];
                }

                if (prefix.Length > 0)
                {
                    // Letters, then alternatives, in one word ("(و|ف)?(امسحي|احذفي)", "pic(s|ture)"): spell each out.
                    alternatives = [.. alternatives.Select(a => prefix + a)];
                    if (optional)
                    {
                        alternatives.Add(prefix.ToString());
                        optional = false;
                    }
                }

                var result = new HashSet<Anchor>();
                foreach (var alternative in alternatives)
                {
                    if (Anchors(alternative + rest, path, depth + 1, withNext) is not { } set)
                    {
                        return null;
                    }

                    result.UnionWith(set);
                }

                if (optional)
                {
                    if (Anchors(rest.TrimStart(), path, depth + 1, withNext) is not { } set)
                    {
                        return null;
                    }

                    result.UnionWith(set);
                }

                return result.Count == 0 ? null : result.Count > 512 ? null : result;
            }

            if (char.IsLetterOrDigit(c))
            {
                if (i + 1 < pattern.Length && pattern[i + 1] is '?' or '*')
                {
                    if (pattern[i + 1] == '*')
                    {
                        prefix.Append(_lexicon.FoldForLanguage(c.ToString()));
                    }

                    return Single(prefix, exact: false);
                }

                prefix.Append(_lexicon.FoldForLanguage(c.ToString()));
                continue;
            }

            if (c == ' ' && i + 1 < pattern.Length && pattern[i + 1] == '?' && prefix.Length > 0)
            {
                // An optional space: the word ends here, or runs on into the next one.
                var joinedWord = Anchors(prefix + pattern[(i + 2)..], path, depth + 1, withNext);
                if (joinedWord is null)
                {
                    return Single(prefix, exact: false);
                }

                joinedWord.Add(WithNext(prefix.ToString(), pattern[(i + 2)..]));
                return joinedWord;
            }

            if (TextFolding.IsApostrophe(c) && prefix.Length > 0)
            {
                // An apostrophe is an optional separator: "i'm" is the word "i" then "m", or the word "im".
                var joined = Anchors(prefix + pattern[(i + 1)..], path, depth + 1, withNext);
                if (joined is null)
                {
                    return Single(prefix, exact: false);
                }

                joined.Add(WithNext(prefix.ToString(), pattern[(i + 1)..]));
                return joined;
            }

            // A space ends the first word: the text's word must be exactly this. A class, an escape or a
            // symbol: the word only starts like this.
            if (c == ' ' && prefix.Length > 0 && char.IsLetterOrDigit(prefix[0]))
            {
                return [WithNext(prefix.ToString(), pattern[(i + 1)..])];
            }

            // A literal symbol that is not a letter ("m-am", "w/"): the text's word ends there too.
            if (c is not ('[' or '\\' or '|' or ')') && prefix.Length > 0 && char.IsLetterOrDigit(prefix[0])
                && (i + 1 >= pattern.Length || pattern[i + 1] is not ('?' or '*' or '+')))
            {
                return [WithNext(prefix.ToString(), pattern[(i + 1)..])];
            }

            return Single(prefix, exact: false);
        }

        return Single(prefix, exact: true);

        Anchor WithNext(string first, string rest)
        {
            if (!withNext)
            {
                return new Anchor(first, true);
            }

            // The second word's possible beginnings, when it has literal ones (checked before trying the pattern).
            var trimmed = rest.TrimStart(' ');
            var next = trimmed.Length == 0 || trimmed[0] == '~' ? null : Anchors(trimmed, path, depth + 1, withNext: false);
            return new Anchor(first, true, next is { Count: > 0 and <= 64 } ? [.. next] : null);
        }

        static HashSet<Anchor>? Single(StringBuilder prefix, bool exact) =>
            prefix.Length == 0 || !char.IsLetterOrDigit(prefix[0]) ? null : [new Anchor(prefix.ToString(), exact)];
    }

    /// <summary>The alternatives of the group opening at <paramref name="open"/>, and the index after it.</summary>
    private static (List<string>? Alternatives, int Next) Group(string pattern, int open)
    {
        if (open + 1 < pattern.Length && pattern[open + 1] == '?')
        {
            return (null, 0); // (?:…), (?!…): not worth reasoning about
        }

        var depth = 0;
        var start = open + 1;
        var alternatives = new List<string>();
        for (var i = open; i < pattern.Length; i++)
        {
            switch (pattern[i])
            {
                case '\\':
                    i++;
                    break;
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    if (depth == 0)
                    {
                        alternatives.Add(pattern[start..i]);
                        return (alternatives, i + 1);
                    }

                    break;
                case '|' when depth == 1:
                    alternatives.Add(pattern[start..i]);
                    start = i + 1;
                    break;
            }
        }

        return (null, 0);
    }

    private (List<string>? Alternatives, int Next) Term(string pattern, int open, string path)
    {
        var close = pattern.IndexOf('}', open);
        if (close < 0 || !_lexicon.Terms.TryGetValue(pattern[(open + 1)..close], out var alternatives))
        {
            throw _lexicon.PatternError(path, "'{' without a known term");
        }

        return ([.. alternatives.Select(a => a.Trim())], close + 1);
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
                    else if (j + 1 < source.Length && source[j + 1] == '?')
                    {
                        sb.Append("(?:").Append(Sep).Append(")?"); // "gift ?cards": with or without a space
                        j++;
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
                case ')' when i + 1 < source.Length && source[i + 1] is '+' or '*' or '{':
                    // Repeated groups are where regular expressions can take exponential time: not allowed.
                    throw _lexicon.PatternError(path, "a group cannot be repeated with + or * (write the alternatives out, or use ~)");
                case '(' or ')' or '|' or '?' or '+' or ']':
                    sb.Append(c);
                    break;
                case var apostrophe when TextFolding.IsApostrophe(apostrophe):
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
