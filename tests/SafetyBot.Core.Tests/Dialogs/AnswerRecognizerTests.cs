using SafetyBot.Core.Bot;
using SafetyBot.Core.Dialogs;
using SafetyBot.Testing;

namespace SafetyBot.Core.Tests.Dialogs;

/// <summary>Typed answers in each language: yes/no, ages and numbers, dates and links.</summary>
public sealed class AnswerRecognizerTests
{
    private static readonly BotContent Content = BotContent.Load(ContentCopy.ShippedRoot);
    private static readonly AnswerRecognizer Recognizer = new(Content.Catalog, new ManualClock());

    [Theory]
    [InlineData("en", "Yes", "yes")]
    [InlineData("en", "yeah he did", "yes")]
    [InlineData("en", "nope", "no")]
    [InlineData("en", "not sure", "skip")]
    [InlineData("es", "Sí", "yes")]
    [InlineData("es", "si", "yes")]
    [InlineData("es", "no sé", "skip")]
    [InlineData("fr", "oui", "yes")]
    [InlineData("fr", "non", "no")]
    [InlineData("de", "ja", "yes")]
    [InlineData("de", "nein", "no")]
    [InlineData("it", "sì", "yes")]
    [InlineData("ru", "да", "yes")]
    [InlineData("ru", "нет", "no")]
    [InlineData("uk", "так", "yes")]
    [InlineData("uk", "ні", "no")]
    [InlineData("pl", "tak", "yes")]
    [InlineData("pl", "nie", "no")]
    [InlineData("ro", "da", "yes")]
    [InlineData("ro", "nu", "no")]
    [InlineData("ar", "نعم", "yes")]
    [InlineData("ar", "لا", "no")]
    [InlineData("tr", "evet", "yes")]
    [InlineData("tr", "hayir", "no")]
    [InlineData("pt", "sim", "yes")]
    [InlineData("pt", "nao", "no")]
    [InlineData("uk", "yes", "yes")]
    [InlineData("en", "purple", null)]
    [InlineData("en", "", null)]
    [InlineData("en", "nothing", null)]
    public void YesNo_IsRead_InEveryLanguage(string language, string text, string? expected) =>
        Assert.Equal(expected, Recognizer.YesNo(text, language));

    [Theory]
    [InlineData("en", "I was 15", 15)]
    [InlineData("en", "fifteen years old", 15)]
    [InlineData("es", "tenía 15 años", 15)]
    [InlineData("es", "quince años", 15)]
    [InlineData("fr", "j'avais 16 ans", 16)]
    [InlineData("de", "ich war 14 Jahre alt", 14)]
    [InlineData("it", "avevo 17 anni", 17)]
    [InlineData("pt", "tinha 13 anos", 13)]
    [InlineData("ru", "мне было пятнадцать лет", 15)]
    [InlineData("ru", "двадцать один", 21)]
    [InlineData("uk", "мені було п'ятнадцять", 15)]
    [InlineData("uk", "шістнадцять років", 16)]
    [InlineData("ar", "كان عمري ١٥", 15)]
    [InlineData("pl", "miałam 15 lat", 15)]
    [InlineData("tr", "15 yaşındaydım", 15)]
    [InlineData("en", "no idea", null)]
    public void Age_IsRead_WithRecognizersOrOwnPatterns(string language, string text, int? expected) =>
        Assert.Equal(expected, AnswerRecognizer.Age(text, language));

    [Theory]
    [InlineData("en", "yesterday", "2026-11-26")]
    [InlineData("en", "3 March 2026", "2026-03-03")]
    [InlineData("es", "ayer", "2026-11-26")]
    [InlineData("de", "am 5. Oktober", "2026-10-05")]
    [InlineData("ru", "3 марта 2026", "2026-03-03")]
    [InlineData("uk", "вчора", "2026-11-26")]
    [InlineData("uk", "12 грудня", "2025-12-12")]
    [InlineData("pl", "24.10.2026", "2026-10-24")]
    [InlineData("ar", "2026-01-31", "2026-01-31")]
    [InlineData("ro", "31.02.2026", null)]
    [InlineData("en", "someday", null)]
    public void Date_IsRead_AndNeverInTheFuture(string language, string text, string? expected) =>
        Assert.Equal(expected, Recognizer.Date(text, language)?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));

    [Theory]
    [InlineData("look: https://jobs.example.com/offer?id=7", "jobs.example.com")]
    [InlineData("www.Example.org", "www.example.org")]
    [InlineData("example.co.uk/careers", "example.co.uk")]
    [InlineData("javascript:alert(1)", null)]
    [InlineData("no link here", null)]
    [InlineData("", null)]
    public void Links_AreReadAsTheirSiteOnly(string text, string? expected) =>
        Assert.Equal(expected, AnswerRecognizer.UrlHost(text));

    [Fact]
    public void Choices_AreReadByButtonText_NumberOrAnUnambiguousStart()
    {
        (string, string)[] choices = [("person", "Talk to a person"), ("helplines", "Helplines"), ("menu", "Back to the menu")];

        Assert.Equal("helplines", AnswerRecognizer.Choice("helplines", "en", choices));
        Assert.Equal("person", AnswerRecognizer.Choice("TALK", "en", choices));
        Assert.Equal("menu", AnswerRecognizer.Choice("3", "en", choices));
        Assert.Null(AnswerRecognizer.Choice("4", "en", choices));
        Assert.Null(AnswerRecognizer.Choice("b", "en", choices));
    }
}
