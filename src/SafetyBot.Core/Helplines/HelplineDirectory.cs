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
    [property: JsonPropertyName("lastVerified")] string LastVerified,
    [property: JsonPropertyName("verified")] bool Verified);

public sealed record CountryHelplines(
    [property: JsonPropertyName("name")] string NameKey,
    [property: JsonPropertyName("emergency")] string Emergency,
    [property: JsonPropertyName("lines")] IReadOnlyList<Helpline> Lines);

/// <summary>
/// Helplines per country, loaded from data. Entries not yet verified against their source are kept in the
/// file for review but never shown. Unknown countries get the "default" set (numbers that work across the EU).
/// </summary>
public sealed class HelplineDirectory
{
    public const string DefaultRegion = "default";
    private readonly FrozenDictionary<string, CountryHelplines> _countries;

    private HelplineDirectory(FrozenDictionary<string, CountryHelplines> countries) => _countries = countries;

    public IEnumerable<string> Countries => _countries.Keys;

    public CountryHelplines For(string? country) =>
        country is not null && _countries.TryGetValue(country, out var c) ? c : _countries[DefaultRegion];

    public bool Knows(string? country) => country is not null && _countries.ContainsKey(country);

    public static HelplineDirectory Load(string file, TextCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        Dictionary<string, CountryHelplines>? countries;
        try
        {
            countries = JsonSerializer.Deserialize<HelplineFile>(File.ReadAllText(file))?.Countries;
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            throw new ContentValidationException(file, $"cannot be read: {ex.Message}");
        }

        if (countries is null || !countries.ContainsKey(DefaultRegion))
        {
            throw new ContentValidationException(file, "\"countries\" must include a \"default\" entry");
        }

        var known = catalog.Keys.ToHashSet(StringComparer.Ordinal);
        foreach (var (code, country) in countries)
        {
            if (!known.Contains(country.NameKey))
            {
                throw new ContentValidationException(file, $"countries.{code}.name: unknown text key '{country.NameKey}'");
            }

            foreach (var line in country.Lines)
            {
                if (!known.Contains(line.LabelKey))
                {
                    throw new ContentValidationException(file, $"countries.{code}: unknown text key '{line.LabelKey}'");
                }

                if (!Uri.TryCreate(line.Source, UriKind.Absolute, out _))
                {
                    throw new ContentValidationException(file, $"countries.{code}: helpline '{line.Contact}' needs a source URL");
                }
            }
        }

        var visible = countries.ToDictionary(
            kv => kv.Key,
            kv => kv.Value with { Lines = [.. kv.Value.Lines.Where(l => l.Verified)] },
            StringComparer.Ordinal);
        return new HelplineDirectory(visible.ToFrozenDictionary(StringComparer.Ordinal));
    }

    private sealed record HelplineFile([property: JsonPropertyName("countries")] Dictionary<string, CountryHelplines> Countries);
}
