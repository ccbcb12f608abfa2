using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Recognizers.Text;
using Microsoft.Recognizers.Text.DateTime;
using Microsoft.Recognizers.Text.Number;
using Microsoft.Recognizers.Text.NumberWithUnit;
using Microsoft.Recognizers.Text.Sequence;
using SafetyBot.Core.Analysis;
using SafetyBot.Core.Localization;
using StringComparer = System.StringComparer;

namespace SafetyBot.Core.Dialogs;

/// <summary>
/// Reads typed answers: yes / no / "rather not say" from each language's word lists, choices by their
/// button text or number, and numbers, ages, dates and links with Microsoft.Recognizers.Text where it
/// supports the language, SafetyBot's own patterns for Russian and Ukrainian, and digits everywhere.
/// </summary>
public sealed partial class AnswerRecognizer
{
    public const string Yes = "yes";
    public const string No = "no";

    /// <summary>Recognizers.Text cultures per SafetyBot language, for the recognisers that support it.</summary>
    private static readonly FrozenDictionary<string, string> NumberCultures = new Dictionary<string, string>
    {
        ["en"] = Culture.English, ["es"] = Culture.Spanish, ["fr"] = Culture.French, ["de"] = Culture.German,
        ["it"] = Culture.Italian, ["pt"] = Culture.Portuguese, ["tr"] = Culture.Turkish,
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, string> AgeAndDateCultures = new Dictionary<string, string>
    {
        ["en"] = Culture.English, ["es"] = Culture.Spanish, ["fr"] = Culture.French, ["de"] = Culture.German,
        ["it"] = Culture.Italian, ["pt"] = Culture.Portuguese,
    }.ToFrozenDictionary();

    private readonly TextCatalog _catalog;
    private readonly FrozenDictionary<string, (string[] Yes, string[] No, string[] Skip)> _words;
    private readonly TimeProvider _time;

    public AnswerRecognizer(TextCatalog catalog, TimeProvider? time = null)
    {
        _catalog = catalog;
        _time = time ?? TimeProvider.System;
        _words = catalog.Languages.ToFrozenDictionary(
            l => l.Code,
            l => (Words(l.Code, "answer.yes"), Words(l.Code, "answer.no"), Words(l.Code, "answer.skip")),
            StringComparer.Ordinal);
    }

    /// <summary>Lower case, accents and punctuation folded away, spaces collapsed: how answers are compared.</summary>
    public static string Normalize(string text)
    {
        var folded = TextFolding.FoldString(text.Length > 500 ? text[..500] : text);
        return string.Join(' ', folded.Split([' ', '\t', '\n', '\r', '.', ',', '!', '?', ';', ':', '"', '(', ')', '¡', '¿', '«', '»', '…', '؟', '،'],
            StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>"yes", "no", "skip" or null.</summary>
    public string? YesNo(string text, string language)
    {
        var said = Normalize(text);
        if (said.Length == 0)
        {
            return null;
        }

        var (yes, no, skip) = _words.GetValueOrDefault(language, _words[TextCatalog.DefaultLanguage]);
        var english = _words[TextCatalog.DefaultLanguage];

        // Whole answers first, the phrase to skip before the shorter yes/no words it may contain ("not sure").
        foreach (var (words, answer) in new[] { (skip, "skip"), (yes, Yes), (no, No), (english.Skip, "skip"), (english.Yes, Yes), (english.No, No) })
        {
            if (words.Contains(said, StringComparer.Ordinal))
            {
                return answer;
            }
        }

        // "yes, he did" / "no never": the first words decide when they are a yes or a no.
        string? best = null;
        var bestLength = 0;
        foreach (var (words, answer) in new[] { (skip, "skip"), (yes, Yes), (no, No) })
        {
            foreach (var word in words.Where(w => w.Length > bestLength && said.StartsWith(w + " ", StringComparison.Ordinal)))
            {
                best = answer;
                bestLength = word.Length;
            }
        }

        return best;
    }

    public bool IsSkip(string text, string language) => YesNo(text, language) == "skip";

    /// <summary>The choice whose button text was typed (or its number in the list), or null.</summary>
    public static string? Choice(string text, string language, IReadOnlyList<(string Value, string Title)> choices)
    {
        var said = Normalize(text);
        if (said.Length == 0)
        {
            return null;
        }

        if (int.TryParse(said, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index >= 1 && index <= choices.Count)
        {
            return choices[index - 1].Value;
        }

        var exact = choices.Where(c => Normalize(c.Title) == said || c.Value == said).ToList();
        if (exact.Count == 1)
        {
            return exact[0].Value;
        }

        // The start of a button's text, when only one button starts that way ("talk" for "Talk to a person").
        var partial = said.Length >= 3 ? choices.Where(c => Normalize(c.Title).StartsWith(said, StringComparison.Ordinal)).ToList() : [];
        return partial.Count == 1 ? partial[0].Value : null;
    }

    public static int? Number(string text, string language)
    {
        if (NumberCultures.TryGetValue(language, out var culture))
        {
            foreach (var result in Safe(() => NumberRecognizer.RecognizeNumber(text, culture, NumberOptions.None, fallbackToDefaultCulture: false)))
            {
                if (result.Resolution?.TryGetValue("value", out var value) == true
                    && double.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                    && number is >= 0 and <= 100_000 && number == Math.Floor(number))
                {
                    return (int)number;
                }
            }
        }

        return Digits(text) ?? SlavicNumber(text, language);
    }

    /// <summary>An age in years: "15", "I was 15", "quince años", "мне пятнадцать", "п'ятнадцять років".</summary>
    public static int? Age(string text, string language)
    {
        if (AgeAndDateCultures.TryGetValue(language, out var culture))
        {
            foreach (var result in Safe(() => NumberWithUnitRecognizer.RecognizeAge(text, culture, NumberWithUnitOptions.None, fallbackToDefaultCulture: false)))
            {
                if (result.Resolution?.TryGetValue("unit", out var unit) == true && "Year".Equals(Convert.ToString(unit, CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    && result.Resolution.TryGetValue("value", out var value)
                    && double.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture, out var years))
                {
                    return (int)years;
                }
            }
        }

        return Number(text, language);
    }

    /// <summary>A calendar date (not in the future), as yyyy-MM-dd.</summary>
    public DateOnly? Date(string text, string language)
    {
        var today = DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime);
        if (AgeAndDateCultures.TryGetValue(language, out var culture))
        {
            var reference = today.ToDateTime(new TimeOnly(12, 0));
            foreach (var result in Safe(() => DateTimeRecognizer.RecognizeDateTime(text, culture, DateTimeOptions.None, reference, fallbackToDefaultCulture: false)))
            {
                if (result.Resolution?.TryGetValue("values", out var values) == true && values is IEnumerable<Dictionary<string, string>> list)
                {
                    // An ambiguous date ("3 March") resolves to the past and the future: the past one is meant.
                    var dates = list.Where(v => v.TryGetValue("type", out var type) && type is "date" or "datetime")
                        .Select(v => v.TryGetValue("value", out var s) && DateOnly.TryParseExact(s.Length >= 10 ? s[..10] : s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : (DateOnly?)null)
                        .Where(d => d is not null && d <= today).ToList();
                    if (dates.Count > 0)
                    {
                        return dates.Max();
                    }
                }
            }
        }

        return OwnDate(text.Trim().ToLowerInvariant(), language, today);
    }

    /// <summary>The host of a link ("https://jobs.example.com/x" → "jobs.example.com"), or null.</summary>
    public static string? UrlHost(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length is 0 or > 2048)
        {
            return null;
        }

        var candidate = Safe(() => SequenceRecognizer.RecognizeURL(trimmed, Culture.English, fallbackToDefaultCulture: true)).Select(r => r.Text).FirstOrDefault();
        if (candidate is null && UrlPattern().Match(trimmed) is { Success: true } match)
        {
            candidate = match.Value;
        }

        if (candidate is null)
        {
            return null;
        }

        var withScheme = candidate.Contains("://", StringComparison.Ordinal) ? candidate : "https://" + candidate;
        return Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Contains('.', StringComparison.Ordinal)
            ? uri.IdnHost.ToLowerInvariant()
            : null;
    }

    private string[] Words(string language, string key)
    {
        var list = _catalog.Get(language, key + ".words").Split(',').Select(Normalize).Where(w => w.Length > 0);
        return [.. list.Append(Normalize(_catalog.Get(language, key))).Distinct(StringComparer.Ordinal)];
    }

    private static List<ModelResult> Safe(Func<List<ModelResult>> recognise)
    {
        try
        {
            return recognise();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException or NotSupportedException or RegexMatchTimeoutException)
        {
            // A recogniser that cannot read the text is the same as one that found nothing.
            return [];
        }
    }

    /// <summary>The first whole number written in digits (Latin, Arabic-Indic or Persian).</summary>
    private static int? Digits(string text)
    {
        var sb = new StringBuilder();
        foreach (var c in text)
        {
            var digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= '\u0660' and <= '\u0669' => c - '\u0660',
                >= '\u06F0' and <= '\u06F9' => c - '\u06F0',
                _ => -1,
            };
            if (digit >= 0)
            {
                sb.Append((char)('0' + digit));
                if (sb.Length > 6)
                {
                    return null;
                }
            }
            else if (sb.Length > 0)
            {
                break;
            }
        }

        return sb.Length > 0 ? int.Parse(sb.ToString(), CultureInfo.InvariantCulture) : null;
    }

    /// <summary>Russian and Ukrainian number words from 0 to 99 ("пятнадцать", "двадцять один").</summary>
    private static int? SlavicNumber(string text, string language)
    {
        if (language is not ("ru" or "uk"))
        {
            return null;
        }

        int? total = null;
        foreach (var word in Normalize(WithoutApostrophes(text)).Split(' '))
        {
            if (SlavicNumbers.TryGetValue(word, out var value))
            {
                if (total is { } tens && tens % 10 == 0 && tens >= 20 && value < 10)
                {
                    return tens + value;
                }

                if (total is not null)
                {
                    return total;
                }

                total = value;
            }
            else if (total is not null)
            {
                return total;
            }
        }

        return total;
    }

    private static readonly FrozenDictionary<string, int> SlavicNumbers = BuildSlavicNumbers();

    /// <summary>"п'ять" and "пʼять" read as one word.</summary>
    private static string WithoutApostrophes(string text) => string.Concat(text.Where(c => !TextFolding.IsApostrophe(c)));

    private static FrozenDictionary<string, int> BuildSlavicNumbers()
    {
        var words = new Dictionary<string, int>(StringComparer.Ordinal);
        void Add(int value, params string[] forms)
        {
            foreach (var form in forms)
            {
                words[Normalize(WithoutApostrophes(form))] = value;
            }
        }

        // Russian
        Add(0, "ноль", "нуль"); Add(1, "один", "одна", "одно", "одного"); Add(2, "два", "две", "двух"); Add(3, "три", "трех", "трёх");
        Add(4, "четыре", "четырех", "четырёх"); Add(5, "пять", "пяти"); Add(6, "шесть", "шести"); Add(7, "семь", "семи");
        Add(8, "восемь", "восьми"); Add(9, "девять", "девяти"); Add(10, "десять", "десяти"); Add(11, "одиннадцать", "одиннадцати");
        Add(12, "двенадцать", "двенадцати"); Add(13, "тринадцать", "тринадцати"); Add(14, "четырнадцать", "четырнадцати");
        Add(15, "пятнадцать", "пятнадцати"); Add(16, "шестнадцать", "шестнадцати"); Add(17, "семнадцать", "семнадцати");
        Add(18, "восемнадцать", "восемнадцати"); Add(19, "девятнадцать", "девятнадцати"); Add(20, "двадцать", "двадцати");
        Add(30, "тридцать", "тридцати"); Add(40, "сорок", "сорока"); Add(50, "пятьдесят"); Add(60, "шестьдесят");
        Add(70, "семьдесят"); Add(80, "восемьдесят"); Add(90, "девяносто");

        // Ukrainian
        Add(1, "одна", "одне", "одного"); Add(2, "дві", "двох"); Add(3, "трьох"); Add(4, "чотири", "чотирьох"); Add(5, "п'ять", "п'яти");
        Add(6, "шість", "шести"); Add(7, "сім", "семи"); Add(8, "вісім", "восьми"); Add(9, "дев'ять", "дев'яти"); Add(10, "десять");
        Add(11, "одинадцять"); Add(12, "дванадцять"); Add(13, "тринадцять"); Add(14, "чотирнадцять"); Add(15, "п'ятнадцять");
        Add(16, "шістнадцять"); Add(17, "сімнадцять"); Add(18, "вісімнадцять"); Add(19, "дев'ятнадцять"); Add(20, "двадцять");
        Add(30, "тридцять"); Add(40, "сорок"); Add(50, "п'ятдесят"); Add(60, "шістдесят"); Add(70, "сімдесят");
        Add(80, "вісімдесят"); Add(90, "дев'яносто");
        return words.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static DateOnly? OwnDate(string said, string language, DateOnly today)
    {
        if (said.Length == 0)
        {
            return null;
        }

        var relative = Normalize(said) switch
        {
            "today" or "сегодня" or "сьогодні" or "bugun" or "dzis" or "azi" => 0,
            "yesterday" or "вчера" or "вчора" or "dun" or "wczoraj" or "ieri" => 1,
            "позавчера" or "позавчора" => 2,
            _ => -1,
        };
        if (relative >= 0)
        {
            return today.AddDays(-relative);
        }

        var numeric = NumericDate().Match(said);
        if (numeric.Success)
        {
            int a = int.Parse(numeric.Groups[1].Value, CultureInfo.InvariantCulture), b = int.Parse(numeric.Groups[2].Value, CultureInfo.InvariantCulture);
            var year = numeric.Groups[3].Success ? int.Parse(numeric.Groups[3].Value, CultureInfo.InvariantCulture) : today.Year;
            year = year < 100 ? 2000 + year : year;

            // Day first everywhere but in English (where 03/04 is read month first, as US users write it).
            var (day, month) = language == "en" && a <= 12 ? (b, a) : (a, b);
            return ValidPast(year, month, day, today, numeric.Groups[3].Success);
        }

        var iso = IsoDate().Match(said);
        if (iso.Success)
        {
            return ValidPast(int.Parse(iso.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(iso.Groups[2].Value, CultureInfo.InvariantCulture),
                int.Parse(iso.Groups[3].Value, CultureInfo.InvariantCulture), today, yearGiven: true);
        }

        var words = Normalize(said).Split(' ');
        for (var i = 0; i + 1 < words.Length; i++)
        {
            if (int.TryParse(words[i], NumberStyles.None, CultureInfo.InvariantCulture, out var day) && MonthNumber(words[i + 1]) is { } month)
            {
                var yearGiven = i + 2 < words.Length && int.TryParse(words[i + 2], NumberStyles.None, CultureInfo.InvariantCulture, out var y) && y is > 1900 and < 2200;
                return ValidPast(yearGiven ? int.Parse(words[i + 2], CultureInfo.InvariantCulture) : today.Year, month, day, today, yearGiven);
            }
        }

        return null;
    }

    private static DateOnly? ValidPast(int year, int month, int day, DateOnly today, bool yearGiven)
    {
        if (month is < 1 or > 12 || day < 1 || year is < 1900 or > 2200 || day > DateTime.DaysInMonth(year, month))
        {
            return null;
        }

        var date = new DateOnly(year, month, day);

        // "3 March" said in February means last year's.
        return !yearGiven && date > today ? date.AddYears(-1) : date;
    }

    private static int? MonthNumber(string word) => MonthNumbers.TryGetValue(word, out var month) ? month : null;

    /// <summary>Month names (Russian, Ukrainian, Polish, Romanian, Turkish; nominative and genitive), folded once.</summary>
    private static readonly FrozenDictionary<string, int> MonthNumbers = BuildMonthNumbers();

    private static FrozenDictionary<string, int> BuildMonthNumbers()
    {
        string[][] months =
        [
            ["января", "январь", "січня", "січень", "stycznia", "ianuarie", "ocak"],
            ["февраля", "февраль", "лютого", "лютий", "lutego", "februarie", "subat"],
            ["марта", "март", "березня", "березень", "marca", "martie", "mart"],
            ["апреля", "апрель", "квітня", "квітень", "kwietnia", "aprilie", "nisan"],
            ["мая", "май", "травня", "травень", "maja", "mai", "mayis"],
            ["июня", "июнь", "червня", "червень", "czerwca", "iunie", "haziran"],
            ["июля", "июль", "липня", "липень", "lipca", "iulie", "temmuz"],
            ["августа", "август", "серпня", "серпень", "sierpnia", "august", "agustos"],
            ["сентября", "сентябрь", "вересня", "вересень", "wrzesnia", "septembrie", "eylul"],
            ["октября", "октябрь", "жовтня", "жовтень", "pazdziernika", "octombrie", "ekim"],
            ["ноября", "ноябрь", "листопада", "листопад", "listopada", "noiembrie", "kasim"],
            ["декабря", "декабрь", "грудня", "грудень", "grudnia", "decembrie", "aralik"],
        ];
        var numbers = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var m = 0; m < months.Length; m++)
        {
            foreach (var name in months[m])
            {
                numbers.TryAdd(Normalize(name), m + 1);
            }
        }

        return numbers.ToFrozenDictionary(StringComparer.Ordinal);
    }

    [GeneratedRegex(@"^(\d{1,2})[./-](\d{1,2})(?:[./-](\d{2}|\d{4}))?$", RegexOptions.CultureInvariant)]
    private static partial Regex NumericDate();

    [GeneratedRegex(@"^(\d{4})-(\d{1,2})-(\d{1,2})$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoDate();

    [GeneratedRegex(@"(?:https?://)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}(?::\d{1,5})?(?:/[^\s]*)?", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex UrlPattern();
}
