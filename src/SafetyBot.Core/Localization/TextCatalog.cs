using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SafetyBot.Core.Localization;

/// <summary>Metadata every language file carries under "$meta".</summary>
public sealed record LanguageInfo(
    string Code,
    string Name,
    string NativeName,
    string Direction,
    string Review,
    string? LastReviewed,
    string? DefaultCountry,
    string EmergencyNumber);

/// <summary>
/// The words of SafetyBot: one JSON file per language in <c>localization/</c> (key → text with named
/// placeholders such as <c>{number}</c>). English is the reference: every other language must have
/// exactly its keys and, per key, the same placeholders; a gap stops start-up with the file and key.
/// </summary>
public sealed partial class TextCatalog
{
    public const string DefaultLanguage = "en";
    private readonly FrozenDictionary<string, FrozenDictionary<string, string>> _texts;

    private TextCatalog(Dictionary<string, FrozenDictionary<string, string>> texts, IReadOnlyList<LanguageInfo> languages)
    {
        _texts = texts.ToFrozenDictionary(StringComparer.Ordinal);
        Languages = languages;
        ByCode = languages.ToFrozenDictionary(l => l.Code, StringComparer.Ordinal);
    }

    public IReadOnlyList<LanguageInfo> Languages { get; }

    public FrozenDictionary<string, LanguageInfo> ByCode { get; }

    public IEnumerable<string> Keys => _texts[DefaultLanguage].Keys;

    public bool Supports(string language) => _texts.ContainsKey(language);

    /// <summary>The language's own file has this key (no fallback to English).</summary>
    public bool Contains(string language, string key) => _texts.TryGetValue(language, out var texts) && texts.ContainsKey(key);

    public string Get(string language, string key)
    {
        if (_texts.TryGetValue(language, out var texts) && texts.TryGetValue(key, out var text))
        {
            return text;
        }

        return _texts[DefaultLanguage].TryGetValue(key, out var fallback)
            ? fallback
            : throw new KeyNotFoundException($"Unknown text key '{key}'.");
    }

    public string Format(string language, string key, params (string Name, string Value)[] values)
    {
        var text = Get(language, key);
        foreach (var (name, value) in values)
        {
            text = text.Replace("{" + name + "}", value, StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>The form of a plural key (written without its suffix, e.g. "selfcheck.result.count") for a number.</summary>
    public string FormatPlural(string language, string key, long count, params (string Name, string Value)[] values)
    {
        var category = PluralRules.Category(Supports(language) ? language : DefaultLanguage, count);
        var chosen = _texts.TryGetValue(language, out var texts) && texts.ContainsKey(key + "_" + category)
            ? key + "_" + category
            : key + "_" + (count == 1 ? "one" : "other");
        return Format(language, chosen, [("count", count.ToString(CultureInfo.InvariantCulture)), .. values]);
    }

    /// <summary>True when <paramref name="key"/> is written as plural forms (key_one, key_other, ...).</summary>
    public bool IsPlural(string key) => _texts[DefaultLanguage].ContainsKey(key + "_other");

    /// <summary>Maps "uk-UA", "UK", "pt_BR" to a supported language code, or null.</summary>
    public string? Match(string? locale)
    {
        if (string.IsNullOrWhiteSpace(locale) || locale.Length > 35)
        {
            return null;
        }

        var language = locale.Split('-', '_')[0].Trim().ToLowerInvariant();
        return _texts.ContainsKey(language) ? language : null;
    }

    /// <summary>The region of a locale such as "en-GB", upper-case, or null.</summary>
    public static string? RegionOf(string? locale)
    {
        if (string.IsNullOrWhiteSpace(locale))
        {
            return null;
        }

        var parts = locale.Split('-', '_');
        return parts.Length >= 2 && parts[^1].Length == 2 && parts[^1].All(char.IsAsciiLetter)
            ? parts[^1].ToUpperInvariant()
            : null;
    }

    public static TextCatalog Load(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new ContentValidationException(directory, "the localization folder does not exist");
        }

        var texts = new Dictionary<string, FrozenDictionary<string, string>>(StringComparer.Ordinal);
        var languages = new List<LanguageInfo>();
        foreach (var file in Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            var code = Path.GetFileNameWithoutExtension(file);
            if (!LanguageFileName().IsMatch(code))
            {
                continue;
            }

            var (info, entries) = ReadLanguageFile(file, code);
            languages.Add(info);
            texts[code] = entries.ToFrozenDictionary(StringComparer.Ordinal);
        }

        if (!texts.TryGetValue(DefaultLanguage, out var reference))
        {
            throw new ContentValidationException(Path.Combine(directory, "en.json"), "the reference language file is missing");
        }

        var pluralKeys = reference.Keys.Select(PluralRules.Split).Where(p => p.Category is not null).Select(p => p.Base)
            .ToHashSet(StringComparer.Ordinal);
        foreach (var (code, entries) in texts)
        {
            var file = Path.Combine(directory, code + ".json");
            foreach (var key in reference.Keys.Where(k => PluralRules.Split(k).Category is null))
            {
                if (!entries.TryGetValue(key, out var text))
                {
                    throw new ContentValidationException(file, $"key '{key}' is missing (every language needs every key of en.json)");
                }

                RequireSamePlaceholders(file, key, Placeholders(reference[key]), Placeholders(text), optional: null);
            }

            foreach (var pluralKey in pluralKeys)
            {
                var expected = Placeholders(reference[pluralKey + "_other"]);
                foreach (var category in PluralRules.Categories(code))
                {
                    var key = pluralKey + "_" + category;
                    if (!entries.TryGetValue(key, out var text))
                    {
                        throw new ContentValidationException(file, $"key '{key}' is missing (the plural forms of {code} are {string.Join(", ", PluralRules.Categories(code))})");
                    }

                    // A form may say the number in words ("two warning signs" in Arabic's dual): {count} is optional there.
                    RequireSamePlaceholders(file, key, expected, Placeholders(text), optional: "count");
                }
            }

            foreach (var key in entries.Keys)
            {
                var (baseKey, category) = PluralRules.Split(key);
                var known = category is null
                    ? reference.ContainsKey(key)
                    : pluralKeys.Contains(baseKey) && PluralRules.Categories(code).Contains(category);
                if (!known)
                {
                    throw new ContentValidationException(file, category is null || !pluralKeys.Contains(baseKey)
                        ? $"key '{key}' is not in en.json"
                        : $"key '{key}': {code} has no plural form '{category}' (it uses {string.Join(", ", PluralRules.Categories(code))})");
                }
            }
        }

        return new TextCatalog(texts, languages.OrderBy(l => l.Code == DefaultLanguage ? 0 : 1).ThenBy(l => l.Code, StringComparer.Ordinal).ToList());
    }

    private static (LanguageInfo Info, Dictionary<string, string> Entries) ReadLanguageFile(string file, string code)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new ContentValidationException(file, $"line {(ex.LineNumber ?? 0) + 1}: not valid JSON ({ex.Message})");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ContentValidationException(file, "the file must hold one JSON object of key → text");
            }

            LanguageInfo? info = null;
            var entries = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.NameEquals("$meta"))
                {
                    info = ReadMeta(file, code, property.Value);
                    continue;
                }

                if (property.Value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(property.Value.GetString()))
                {
                    throw new ContentValidationException(file, $"key '{property.Name}' must be a non-empty string");
                }

                entries[property.Name] = property.Value.GetString()!;
            }

            return (info ?? throw new ContentValidationException(file, "\"$meta\" is missing"), entries);
        }
    }

    private static LanguageInfo ReadMeta(string file, string code, JsonElement meta)
    {
        string Required(string name) =>
            meta.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString())
                ? v.GetString()!
                : throw new ContentValidationException(file, $"$meta.{name} is required");

        string? Optional(string name) =>
            meta.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        var direction = Required("direction");
        if (direction is not ("ltr" or "rtl"))
        {
            throw new ContentValidationException(file, "$meta.direction must be \"ltr\" or \"rtl\"");
        }

        var review = Required("review");
        if (review is not ("draft" or "native-reviewed"))
        {
            throw new ContentValidationException(file, "$meta.review must be \"draft\" or \"native-reviewed\"");
        }

        var lastReviewed = Optional("lastReviewed");
        if (lastReviewed is not null && !DateOnly.TryParseExact(lastReviewed, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            throw new ContentValidationException(file, "$meta.lastReviewed must be a date (yyyy-MM-dd)");
        }

        return new LanguageInfo(code, Required("name"), Required("nativeName"), direction, review, lastReviewed,
            Optional("defaultCountry"), Required("emergencyNumber"));
    }

    private static void RequireSamePlaceholders(string file, string key, HashSet<string> expected, HashSet<string> actual, string? optional)
    {
        if (optional is not null && !actual.Contains(optional))
        {
            expected = [.. expected.Where(p => p != optional)];
        }

        if (!expected.SetEquals(actual))
        {
            throw new ContentValidationException(file,
                $"key '{key}' has placeholders {{{string.Join("}, {", actual.Order(StringComparer.Ordinal))}}} but en.json has {{{string.Join("}, {", expected.Order(StringComparer.Ordinal))}}}");
        }
    }

    /// <summary>Placeholder names used in a text, e.g. {"emergency"}.</summary>
    public static HashSet<string> Placeholders(string text) =>
        PlaceholderPattern().Matches(text).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"^[a-z]{2,3}$", RegexOptions.CultureInvariant)]
    private static partial Regex LanguageFileName();

    [GeneratedRegex(@"\{([A-Za-z][A-Za-z0-9_]*)\}", RegexOptions.CultureInvariant)]
    private static partial Regex PlaceholderPattern();
}

/// <summary>A flow, language or data file is broken; the message names the file and the reason.</summary>
public sealed class ContentValidationException : Exception
{
    public ContentValidationException(string file, string reason)
        : base($"{file}: {reason}")
    {
        File = file;
        Reason = reason;
    }

    public ContentValidationException()
    {
        File = string.Empty;
        Reason = string.Empty;
    }

    public ContentValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        File = string.Empty;
        Reason = message;
    }

    public string File { get; }

    public string Reason { get; }
}
