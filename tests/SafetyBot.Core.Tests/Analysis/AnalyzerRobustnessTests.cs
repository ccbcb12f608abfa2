using CsCheck;
using SafetyBot.Core.Analysis;

namespace SafetyBot.Core.Tests.Analysis;

/// <summary>Property: on any input the shipped analyser answers, never throws, and quotes only what is in the text.</summary>
public sealed class AnalyzerRobustnessTests
{
    private static readonly SafetyAnalyzer Analyzer = SafetyAnalyzer.LoadShared(SafetyAnalyzer.LocateFolder(CorpusQualityTests.RepositoryRoot));

    private static readonly string[] Tempting =
    [
        "our little secret", "send me pics", "i want to die", "ты одна дома?", "нікому не кажи", "ارسل لي صورة",
        "no le digas a nadie", "il est devant ma porte", "ich will nicht mehr leben", "kimseye söyleme",
        "don't", "’", "'", "~", "{", "}", "(", ")", "[", "]", "\\", "*", "?", "+", "|",
    ];

    private static readonly Gen<char> Chars = Gen.Frequency(
        (6, Gen.Char['a', 'z']),
        (2, Gen.Char[" .,!?0123456789"]),
        (1, Gen.Char['\0', '\u001F']), // control characters
        (1, Gen.Char['\uD800', '\uDFFF']), // halves of surrogate pairs, alone or paired at random
        (1, Gen.Char["\u200B\u200C\u200D\u200E\u200F\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069\u061C\uFEFF\u00AD\u034F\uFE0F"]),
        (1, Gen.Char['\u0400', '\u04FF']),
        (1, Gen.Char['\u0600', '\u06FF']),
        (1, Gen.Char['\u0300', '\u036F']), // combining marks
        (1, Gen.Char['\u0000', '\uFFFF']));

    private static readonly Gen<string> Texts = Gen.Frequency(
            (3, Chars.Array[0, 24].Select(a => new string(a))),
            (1, Gen.OneOf(Tempting)))
        .Array[0, 40]
        .Select(parts => string.Concat(parts));

    private static readonly Gen<string?> Locales = Gen.OneOf<string?>(null, "en", "uk-UA", "ar", "xx", "", "ru_RU", "-", "e");

    private static readonly Gen<MessageRole> Roles = Gen.OneOf(MessageRole.Unknown, MessageRole.User, MessageRole.Received, (MessageRole)42);

    [Fact]
    public void AnyInput_GivesAnAnswer_WithEvidenceFromTheText()
    {
        Gen.Select(Texts, Locales, Roles).Sample((text, locale, role) =>
        {
            var result = Analyzer.Analyze(text, locale, role);

            Assert.False(string.IsNullOrEmpty(result.Language));
            Assert.Equal(result.Signals.Any(s => SignalCategories.IsCrisis(s.Category)), result.Crisis);
            Assert.Equal(result.Signals.Select(s => s.Category).Distinct().Count(), result.Signals.Count);
            foreach (var signal in result.Signals)
            {
                Assert.Contains(signal.Category, SignalCategories.All);
                Assert.False(string.IsNullOrWhiteSpace(signal.Evidence));
                foreach (var part in signal.Evidence.Split(" … "))
                {
                    Assert.Contains(part, text, StringComparison.Ordinal); // quoted, never invented
                }
            }

            if (role == MessageRole.Received)
            {
                Assert.False(result.Crisis);
            }
        }, iter: 3000);
    }

    [Fact]
    public void Folding_IsStable_ForEveryCharacter()
    {
        // Every UTF-16 code unit alone, and every one of them between letters.
        for (var c = 0; c <= 0xFFFF; c++)
        {
            var ch = (char)c;
            _ = Analyzer.Analyze(ch.ToString());
            _ = Analyzer.Analyze("send" + ch + "me" + ch + "pics", "en", MessageRole.Received);
        }
    }

    [Theory]
    [InlineData(1_048_576)]
    [InlineData(5_000_000)]
    public void HugeInputs_AreAnswered(int length)
    {
        var random = new Random(length);
        var chars = new char[length];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)random.Next(0, 0x10000);
        }

        _ = Analyzer.Analyze(new string(chars));
        _ = Analyzer.Analyze(new string('\u200B', length) + "i want to die", null, MessageRole.User);
        _ = Analyzer.Analyze(new string('\uD800', length));
        _ = Analyzer.Analyze(string.Concat(Enumerable.Repeat("sex ", length / 4)));
    }

    [Fact]
    public void ZeroWidthCharactersAndLookAlikes_DoNotHideACrisis()
    {
        // "i want to die" with zero-width joiners inside words and a Cyrillic а and о
        var result = Analyzer.Analyze("i w\u200Dаnt t\u200Bо d\u2060ie", "en", MessageRole.User);
        Assert.True(result.Crisis);
    }
}
