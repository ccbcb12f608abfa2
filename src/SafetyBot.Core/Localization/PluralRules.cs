namespace SafetyBot.Core.Localization;

/// <summary>
/// CLDR plural categories for whole numbers in SafetyBot's languages. A text that depends on a number is
/// written as one key per category, with the suffixes translation platforms use: <c>key_one</c>,
/// <c>key_few</c>, <c>key_many</c>, <c>key_other</c> (and <c>_zero</c>, <c>_two</c> in Arabic).
/// </summary>
public static class PluralRules
{
    public static readonly string[] AllCategories = ["zero", "one", "two", "few", "many", "other"];

    private static readonly string[] OneOther = ["one", "other"];
    private static readonly string[] Romanian = ["one", "few", "other"];
    private static readonly string[] Slavic = ["one", "few", "many", "other"];
    private static readonly string[] Arabic = ["zero", "one", "two", "few", "many", "other"];

    /// <summary>The categories a language file must write for every plural key.</summary>
    public static IReadOnlyList<string> Categories(string language) => language switch
    {
        "ro" => Romanian,
        "ru" or "uk" or "pl" => Slavic,
        "ar" => Arabic,
        _ => OneOther,
    };

    public static string Category(string language, long n)
    {
        n = Math.Abs(n);
        long mod10 = n % 10, mod100 = n % 100;
        return language switch
        {
            "fr" => n is 0 or 1 ? "one" : "other",
            "ro" => n == 1 ? "one" : n == 0 || mod100 is >= 2 and <= 19 ? "few" : "other",
            "ru" or "uk" => mod10 == 1 && mod100 != 11 ? "one"
                : mod10 is >= 2 and <= 4 && mod100 is not (>= 12 and <= 14) ? "few" : "many",
            "pl" => n == 1 ? "one" : mod10 is >= 2 and <= 4 && mod100 is not (>= 12 and <= 14) ? "few" : "many",
            "ar" => n switch
            {
                0 => "zero",
                1 => "one",
                2 => "two",
                _ => mod100 is >= 3 and <= 10 ? "few" : mod100 is >= 11 and <= 99 ? "many" : "other",
            },
            _ => n == 1 ? "one" : "other",
        };
    }

    /// <summary>Splits "a.b_few" into ("a.b", "few"); a key without a plural suffix gives (key, null).</summary>
    public static (string Base, string? Category) Split(string key)
    {
        var underscore = key.LastIndexOf('_');
        if (underscore > 0 && Array.IndexOf(AllCategories, key[(underscore + 1)..]) >= 0)
        {
            return (key[..underscore], key[(underscore + 1)..]);
        }

        return (key, null);
    }
}
