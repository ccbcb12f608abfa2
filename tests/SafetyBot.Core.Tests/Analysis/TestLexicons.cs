using System.Text.Json;
using SafetyBot.Core.Analysis;

namespace SafetyBot.Core.Tests.Analysis;

/// <summary>Small language files written to a temporary folder, so engine tests do not depend on the shipped rules.</summary>
internal sealed class TestLexicons : IDisposable
{
    public TestLexicons()
    {
        Folder = Path.Combine(Path.GetTempPath(), "safetybot-analysis-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    public string Write(string code, object content)
    {
        var file = Path.Combine(Folder, code + ".json");
        File.WriteAllText(file, JsonSerializer.Serialize(content));
        return file;
    }

    public string WriteRaw(string code, string json)
    {
        var file = Path.Combine(Folder, code + ".json");
        File.WriteAllText(file, json);
        return file;
    }

    public static object File_(string code, string script, string[] words, object[] rules, string letters = "", object? terms = null, object? fold = null, object? transliterate = null, string[]? latinWords = null) => new Dictionary<string, object?>
    {
        ["$meta"] = new { language = code, name = code, script, review = "draft" },
        ["detect"] = new { words, letters, latinWords = latinWords ?? [] },
        ["terms"] = terms ?? new { },
        ["fold"] = fold ?? new { },
        ["transliterate"] = transliterate ?? new { },
        ["rules"] = rules,
    };

    public static object Rule(string id, string category, string[] match, string[]? with = null, string[]? unless = null, string[]? roles = null) => new Dictionary<string, object?>
    {
        ["id"] = id,
        ["category"] = category,
        ["match"] = match,
        ["with"] = with ?? [],
        ["unless"] = unless ?? [],
        ["roles"] = roles ?? ["user", "received"],
    };

    /// <summary>English, Spanish, Russian (with transliteration) and Arabic, a few rules each.</summary>
    public SafetyAnalyzer Standard()
    {
        Write("en", File_("en", "Latin", ["the", "you", "your", "and", "is", "me", "my", "i"],
        [
            Rule("en-secret", "secrecy", ["(our|a) little secret", "don't tell {parents}"], unless: ["surprise"]),
            Rule("en-nudes", "image_request", ["send (me )?(nudes|pic*)"]),
            Rule("en-job", "job_offer_abroad", ["job (in|abroad) ~ (dubai|abroad|germany)"], with: ["(we|they) pay (your|the) (flight|ticket)", "no experience"]),
            Rule("en-die", "crisis_self_harm", ["want to die", "kill myself"]),
            Rule("en-danger", "crisis_danger", ["outside my door"], roles: ["user"]),
        ], terms: new Dictionary<string, string[]> { ["parents"] = ["mom", "mum", "(your|ur) (mom|mum|parents)"] }));
        Write("es", File_("es", "Latin", ["que", "tu", "el", "la", "de", "no", "es", "mi", "te"],
        [
            Rule("es-secret", "secrecy", ["nuestro secreto"]),
        ], letters: "ñ¿¡"));
        Write("ru", File_("ru", "Cyrillic", ["что", "ты", "не", "как", "меня", "тебя"],
        [
            Rule("ru-secret", "secrecy", ["не говори никому"]),
            Rule("ru-alone", "isolation", ["ты одна дома"]),
        ], letters: "ыэъ", fold: new Dictionary<string, string> { ["ы"] = "и", ["ь"] = "", ["ъ"] = "" },
        transliterate: new Dictionary<string, string>
        {
            ["sh"] = "ш", ["ch"] = "ч", ["zh"] = "ж", ["ya"] = "я", ["a"] = "а", ["b"] = "б", ["v"] = "в", ["g"] = "г", ["d"] = "д",
            ["e"] = "е", ["z"] = "з", ["i"] = "и", ["y"] = "ы", ["k"] = "к", ["l"] = "л", ["m"] = "м", ["n"] = "н", ["o"] = "о",
            ["p"] = "п", ["r"] = "р", ["s"] = "с", ["t"] = "т", ["u"] = "у", ["f"] = "ф", ["h"] = "х",
        },
        latinWords: ["ty", "ne", "nikomu", "odna", "doma", "privet"]));
        Write("uk", File_("uk", "Cyrillic", ["що", "ти", "як", "мені", "тебе"], [Rule("uk-secret", "secrecy", ["нікому не кажи"])], letters: "іїєґ"));
        Write("ar", File_("ar", "Arabic", ["انا", "انت", "في"], [Rule("ar-photo", "image_request", ["ارسل* (لي )?صوره"])]));
        return SafetyAnalyzer.Load(Folder);
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
