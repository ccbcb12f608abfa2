using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;
using SafetyBot.Core.Localization;

namespace SafetyBot.Core.Helplines;

/// <summary>One helpline as recorded in <c>localization/helplines.json</c>, with where it was verified.</summary>
public sealed record Helpline(
    [property: JsonPropertyName("label")] string LabelKey,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("contact")] string Contact,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("lastVerified")] string? LastVerified,
    [property: JsonPropertyName("verified")] bool Verified,
    [property: JsonPropertyName("languages")] IReadOnlyList<string>? Languages = null,
    [property: JsonPropertyName("hours")] string? Hours = null);

public sealed record CountryHelplines(
    [property: JsonPropertyName("name")] string NameKey,
    [property: JsonPropertyName("emergency")] string Emergency,
    [property: JsonPropertyName("lines")] IReadOnlyList<Helpline> Lines,
    [property: JsonPropertyName("title")] string? TitleKey = null,
    [property: JsonPropertyName("languages")] IReadOnlyList<string>? Languages = null,
    [property: JsonPropertyName("include")] IReadOnlyList<string>? Include = null);

public sealed record HelplineGroup([property: JsonPropertyName("lines")] IReadOnlyList<Helpline> Lines);

/// <summary>
/// Helplines per country, loaded from data. Entries not yet verified against their source are kept in the
/// file for review but never shown. Unknown countries get the "default" set (numbers that work across the EU).
/// </summary>
public sealed class HelplineDirectory
{
    public const string DefaultRegion = "default";
    private static readonly JsonSerializerOptions ReadOptions = new() { ReadCommentHandling = JsonCommentHandling.Skip };
    private readonly FrozenDictionary<string, CountryHelplines> _countries;

    private HelplineDirectory(FrozenDictionary<string, CountryHelplines> countries, IReadOnlyList<(string Where, Helpline Line)> unverified)
    {
        _countries = countries;
        Unverified = unverified;
    }

    /// <summary>Entries kept for review but not shown, with the country or group they belong to.</summary>
    public IReadOnlyList<(string Where, Helpline Line)> Unverified { get; }

    public IEnumerable<string> Countries => _countries.Keys;

    public CountryHelplines For(string? country) =>
        country is not null && _countries.TryGetValue(country, out var c) ? c : _countries[DefaultRegion];

    public bool Knows(string? country) => country is not null && _countries.ContainsKey(country);

    public static HelplineDirectory Load(string file, TextCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        HelplineFile? data;
        try
        {
            data = JsonSerializer.Deserialize<HelplineFile>(File.ReadAllText(file), ReadOptions);
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            throw new ContentValidationException(file, $"cannot be read: {ex.Message}");
        }

        var countries = data?.Countries;
        var groups = data?.Groups ?? [];
        if (countries is null || !countries.ContainsKey(DefaultRegion))
        {
            throw new ContentValidationException(file, "\"countries\" must include a \"default\" entry");
        }

        var known = catalog.Keys.ToHashSet(StringComparer.Ordinal);
        var unverified = new List<(string, Helpline)>();
        void CheckLines(string path, IReadOnlyList<Helpline>? lines)
        {
            if (lines is null)
            {
                throw new ContentValidationException(file, $"{path}.lines is required");
            }

            for (var i = 0; i < lines.Count; i++)
            {
                var line = lines[i];
                if (line.LabelKey is null || !known.Contains(line.LabelKey))
                {
                    throw new ContentValidationException(file, $"{path}.lines[{i}].label: unknown text key '{line.LabelKey}'");
                }

                if (string.IsNullOrWhiteSpace(line.Contact))
                {
                    throw new ContentValidationException(file, $"{path}.lines[{i}].contact is required");
                }

                if (!Uri.TryCreate(line.Source, UriKind.Absolute, out _))
                {
                    throw new ContentValidationException(file, $"{path}.lines[{i}]: helpline '{line.Contact}' needs a source URL");
                }

                if (line.Verified && !DateOnly.TryParseExact(line.LastVerified, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _))
                {
                    throw new ContentValidationException(file, $"{path}.lines[{i}]: a verified helpline needs lastVerified (yyyy-MM-dd)");
                }

                if (!line.Verified)
                {
                    unverified.Add((path, line));
                }
            }
        }

        foreach (var (name, group) in groups)
        {
            CheckLines("groups." + name, group.Lines);
        }

        foreach (var (code, country) in countries)
        {
            if (code != DefaultRegion && (code.Length != 2 || !code.All(char.IsAsciiLetterUpper)))
            {
                throw new ContentValidationException(file, $"countries.{code}: a country is its ISO code in capitals (or \"default\")");
            }

            foreach (var (field, key) in new[] { ("name", country.NameKey), ("title", country.TitleKey) })
            {
                if ((key is not null || field == "name") && !known.Contains(key ?? string.Empty))
                {
                    throw new ContentValidationException(file, $"countries.{code}.{field}: unknown text key '{key}'");
                }
            }

            if (string.IsNullOrWhiteSpace(country.Emergency))
            {
                throw new ContentValidationException(file, $"countries.{code}.emergency is required");
            }

            foreach (var include in country.Include ?? [])
            {
                if (!groups.ContainsKey(include))
                {
                    throw new ContentValidationException(file, $"countries.{code}.include: no group '{include}'");
                }
            }

            CheckLines("countries." + code, country.Lines);
        }

        // A country's own lines come first, then the shared ones it includes; only verified entries are shown.
        var visible = countries.ToDictionary(
            kv => kv.Key,
            kv => kv.Value with
            {
                Lines = [.. kv.Value.Lines.Concat((kv.Value.Include ?? []).SelectMany(g => groups[g].Lines)).Where(l => l.Verified)],
            },
            StringComparer.Ordinal);
        return new HelplineDirectory(visible.ToFrozenDictionary(StringComparer.Ordinal), unverified);
    }

    private sealed record HelplineFile(
        [property: JsonPropertyName("countries")] Dictionary<string, CountryHelplines>? Countries,
        [property: JsonPropertyName("groups")] Dictionary<string, HelplineGroup>? Groups);
}
