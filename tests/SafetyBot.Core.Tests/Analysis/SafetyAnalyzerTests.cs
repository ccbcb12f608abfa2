using SafetyBot.Core.Analysis;
using SafetyBot.Core.Localization;

namespace SafetyBot.Core.Tests.Analysis;

public sealed class SafetyAnalyzerTests : IDisposable
{
    private readonly TestLexicons _files = new();
    private readonly SafetyAnalyzer _analyzer;

    public SafetyAnalyzerTests()
    {
        _analyzer = _files.Standard();
    }

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData("send nudes")]
    [InlineData("SEND... NUDES!!!")]
    [InlineData("s3nd nud3s")] // digits for letters
    [InlineData("ＳＥＮＤ ＮＵＤＥＳ")] // full-width
    [InlineData("𝐬𝐞𝐧𝐝 𝐧𝐮𝐝𝐞𝐬")] // mathematical bold
    [InlineData("s\u200Bend nu\u200Ddes")] // zero-width space and joiner inside words
    [InlineData("\u202Esend\u202C \u2066nudes\u2069")] // direction marks
    [InlineData("sеnd nudеs")] // Cyrillic е inside Latin words
    [InlineData("seeeeend nuuuudes")] // stretched letters
    [InlineData("sénd nüdes")] // stray accents
    [InlineData("send\u00ADnudes")] // soft hyphen (joins the words: must not match)
    public void Evasions_AreReadAsThePlainWords(string text)
    {
        var result = _analyzer.Analyze(text, null, MessageRole.Received);
        if (text.Contains('\u00AD', StringComparison.Ordinal))
        {
            Assert.False(result.Has(SignalCategories.ImageRequest)); // "sendnudes" is one word: patterns match whole words
            return;
        }

        var signal = Assert.Single(result.Signals);
        Assert.Equal(SignalCategories.ImageRequest, signal.Category);
        Assert.Contains(signal.Evidence, text, StringComparison.Ordinal); // quoted from what the person saw
    }

    [Fact]
    public void Evidence_QuotesTheOriginalWords()
    {
        var text = "hey 😊 remember, this is OUR   little secret!! ok?";
        var result = _analyzer.Analyze(text, null, MessageRole.Received);

        var signal = Assert.Single(result.Signals);
        Assert.Equal("OUR   little secret", signal.Evidence);
        Assert.Equal("en", result.Language);
        Assert.False(result.Crisis);
    }

    [Fact]
    public void Apostrophe_MatchesWithSpaceOrNothing()
    {
        foreach (var text in new[] { "don't tell your mom", "dont tell ur mom", "don’t tell ur mum", "don t tell mom" })
        {
            Assert.True(_analyzer.Analyze(text).Has(SignalCategories.Secrecy), text);
        }
    }

    [Fact]
    public void OptionalWordsAndSpaces_Match()
    {
        _files.Write("en", TestLexicons.File_("en", "Latin", ["the", "you"],
        [
            TestLexicons.Rule("gift", "payment_demand", ["gift ?cards?"]),
            TestLexicons.Rule("pics", "image_request", ["send (me )?pic*"]),
        ]));
        var analyzer = SafetyAnalyzer.Load(_files.Folder);

        foreach (var text in new[] { "buy giftcards", "buy gift cards", "a gift card now" })
        {
            Assert.True(analyzer.Analyze(text).Has(SignalCategories.PaymentDemand), text);
        }

        foreach (var text in new[] { "send me pics", "send pictures", "SEND ME A PIC" })
        {
            Assert.Equal(text != "SEND ME A PIC", analyzer.Analyze(text).Has(SignalCategories.ImageRequest));
        }
    }

    [Fact]
    public void Unless_KeepsTheRuleSilent()
    {
        Assert.True(_analyzer.Analyze("don't tell your mom ok").Has(SignalCategories.Secrecy));
        Assert.False(_analyzer.Analyze("don't tell your mom, it's a surprise for her").Has(SignalCategories.Secrecy));
    }

    [Fact]
    public void With_NeedsBothParts_AndQuotesBoth()
    {
        Assert.False(_analyzer.Analyze("there is a job in Germany at our office, apply with your CV").Has(SignalCategories.JobOfferAbroad));

        var result = _analyzer.Analyze("job in dubai for you and your friend, no experience, leave next week");
        var signal = Assert.Single(result.Signals);
        Assert.Equal(SignalCategories.JobOfferAbroad, signal.Category);
        Assert.Equal("job in dubai … no experience", signal.Evidence);
    }

    [Fact]
    public void Crisis_IsCheckedForUsers_NotForReceivedMessages()
    {
        var user = _analyzer.Analyze("i just want to die", null, MessageRole.User);
        Assert.True(user.Crisis);
        Assert.Equal(SignalCategories.CrisisSelfHarm, Assert.Single(user.Signals).Category);

        var unknown = _analyzer.Analyze("i just want to die");
        Assert.True(unknown.Crisis);

        var received = _analyzer.Analyze("if you leave me i want to die", null, MessageRole.Received);
        Assert.False(received.Crisis);
        Assert.Empty(received.Signals);
    }

    [Fact]
    public void Crisis_RulesOfEveryLanguageRun_EvenWhenTheLanguageIsAnother()
    {
        // Spanish by its words, but the crisis is typed in English: the English crisis rule still fires.
        var result = _analyzer.Analyze("no sé qué hacer, el está outside my door", null, MessageRole.User);
        Assert.Equal("es", result.Language);
        Assert.True(result.Crisis);
        Assert.Equal(SignalCategories.CrisisDanger, Assert.Single(result.Signals).Category);
    }

    [Theory]
    [InlineData("¿Esto es nuestro secreto, vale?", "es")]
    [InlineData("Не говори никому, что ты одна дома", "ru")]
    [InlineData("Нікому не кажи, що ти мені пишеш", "uk")]
    [InlineData("ارسل لي صورة الآن انا انتظر", "ar")]
    [InlineData("this is our little secret", "en")]
    public void Language_IsToldFromTheTextAlone(string text, string language)
    {
        var result = _analyzer.Analyze(text);
        Assert.Equal(language, result.Language);
        Assert.NotEmpty(result.Signals);
    }

    [Fact]
    public void Arabic_LetterVariantsAndDiacritics_AreUnified()
    {
        // teh marbuta vs heh, diacritics, tatweel
        var result = _analyzer.Analyze("أرسـلي لي صُورَة");
        Assert.Equal("ar", result.Language);
        Assert.Equal(SignalCategories.ImageRequest, Assert.Single(result.Signals).Category);
    }

    [Fact]
    public void LatinScriptRussian_IsTransliteratedAndMatched()
    {
        var result = _analyzer.Analyze("privet, ty odna doma? ne govori nikomu");
        Assert.Equal("ru", result.Language);
        Assert.True(result.Has(SignalCategories.Isolation));
        Assert.True(result.Has(SignalCategories.Secrecy));
        Assert.Equal("ty odna doma", result.Signals.Single(s => s.Category == SignalCategories.Isolation).Evidence);
    }

    [Fact]
    public void LocaleHint_BreaksTies_AndAddsItsRules()
    {
        Assert.Equal("und", _analyzer.Analyze("12345 !!!").Language);
        Assert.Equal("es", _analyzer.Analyze("12345 !!!", "es-MX").Language);
        Assert.Equal("es", _analyzer.Analyze(string.Empty, "es").Language);
        // English words, Spanish person: both languages' rules run.
        Assert.True(_analyzer.Analyze("send me pics, nuestro secreto", "es").Has(SignalCategories.Secrecy));
    }

    [Fact]
    public void Roles_RestrictRules()
    {
        Assert.True(_analyzer.Analyze("he is outside my door", null, MessageRole.User).Crisis);
        Assert.False(_analyzer.Analyze("he is outside my door", null, MessageRole.Received).Crisis);
    }

    [Fact]
    public void HugeInput_IsReadUpToTheLimit()
    {
        var text = new string('a', 2_000_000) + " send nudes";
        var result = _analyzer.Analyze(text);
        Assert.Empty(result.Signals); // beyond the first 32 KB

        var early = "send nudes " + new string('x', 1_000_000);
        Assert.True(_analyzer.Analyze(early).Has(SignalCategories.ImageRequest));
    }

    [Fact]
    public void SharedLoad_ReturnsOneAnalyserPerFolderVersion()
    {
        var a = SafetyAnalyzer.LoadShared(_files.Folder);
        Assert.Same(a, SafetyAnalyzer.LoadShared(_files.Folder));

        _files.Write("es", TestLexicons.File_("es", "Latin", ["que", "el"], [TestLexicons.Rule("es-2", "secrecy", ["secretito"])]));
        File.SetLastWriteTimeUtc(Path.Combine(_files.Folder, "es.json"), DateTime.UtcNow.AddMinutes(1));
        Assert.NotSame(a, SafetyAnalyzer.LoadShared(_files.Folder));
    }
}

public sealed class LexiconValidationTests : IDisposable
{
    private readonly TestLexicons _files = new();

    public void Dispose() => _files.Dispose();

    private ContentValidationException Broken(object file)
    {
        var path = _files.Write("en", file);
        var error = Assert.Throws<ContentValidationException>(() => SafetyAnalyzer.Load(_files.Folder));
        Assert.Equal(path, error.File);
        return error;
    }

    private static object En(params object[] rules) => TestLexicons.File_("en", "Latin", ["the"], rules);

    [Fact]
    public void UnknownCategory_NamesRuleAndKnownIds()
    {
        var error = Broken(En(TestLexicons.Rule("r1", "grooming", ["x"])));
        Assert.Contains("rules[0] (r1).category", error.Reason, StringComparison.Ordinal);
        Assert.Contains("unknown category 'grooming'", error.Reason, StringComparison.Ordinal);
        Assert.Contains("secrecy", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownTerm_NamesThePattern()
    {
        var error = Broken(En(TestLexicons.Rule("r1", "secrecy", ["ok", "tell {parent}"])));
        Assert.Contains("rules[0] (r1).match[1]", error.Reason, StringComparison.Ordinal);
        Assert.Contains("unknown term {parent}", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void BrokenPattern_NamesThePattern()
    {
        var error = Broken(En(TestLexicons.Rule("ok", "secrecy", ["fine"]), TestLexicons.Rule("r2", "secrecy", ["(unclosed"])));
        Assert.Contains("rules[1] (r2).match", error.Reason, StringComparison.Ordinal);
        Assert.Contains("not a valid pattern", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void GapWithoutSpaces_IsRefused()
    {
        var error = Broken(En(TestLexicons.Rule("r1", "secrecy", ["tell~mom"])));
        Assert.Contains("'~' must stand between two words", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateIds_UnknownRole_AndWrongLanguage_AreRefused()
    {
        Assert.Contains("duplicate rule id 'r1'", Broken(En(TestLexicons.Rule("r1", "secrecy", ["a"]), TestLexicons.Rule("r1", "secrecy", ["b"]))).Reason, StringComparison.Ordinal);
        Assert.Contains("unknown role 'sender'", Broken(En(TestLexicons.Rule("r1", "secrecy", ["a"], roles: ["sender"]))).Reason, StringComparison.Ordinal);
        Assert.Contains("does not match the file name", Broken(TestLexicons.File_("fr", "Latin", ["le"], [TestLexicons.Rule("r", "secrecy", ["a"])])).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedJson_NamesTheLine()
    {
        _files.WriteRaw("en", "{\n  \"$meta\": {\n  oops\n}");
        var error = Assert.Throws<ContentValidationException>(() => SafetyAnalyzer.Load(_files.Folder));
        Assert.Contains("not valid JSON (line 3)", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyFolder_IsRefused()
    {
        var error = Assert.Throws<ContentValidationException>(() => SafetyAnalyzer.Load(_files.Folder));
        Assert.Contains("no language files", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Examples_AreChecked()
    {
        var rule = new Dictionary<string, object?>
        {
            ["id"] = "r1",
            ["category"] = "secrecy",
            ["match"] = new[] { "our secret" },
            ["examples"] = new[] { "its our secret", "keep it between us" },
            ["notExamples"] = new[] { "our secret santa", "not a match" },
        };
        var path = _files.Write("en", TestLexicons.File_("en", "Latin", ["the"], [rule]));

        var problems = AnalyzerEvaluation.CheckExamples(Lexicon.Load(path));

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Contains("example not flagged: keep it between us", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("counter-example flagged: our secret santa", StringComparison.Ordinal));
    }
}
