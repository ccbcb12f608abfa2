using System.Text.Json.Nodes;
using SafetyBot.Core.Bot;
using SafetyBot.Core.Localization;

namespace SafetyBot.Core.Tests.Localization;

public sealed class ContentTests
{
    private static readonly string Root = BotContent.LocateRoot(null);

    [Fact]
    public void ShippedContent_Loads()
    {
        var content = BotContent.Load(Root);

        Assert.Contains("en", content.Catalog.Languages.Select(l => l.Code));
        Assert.True(content.Catalog.Languages.Count >= 2);
        Assert.Contains(content.Menu.Items, i => i.Action == BotActions.Exit);
    }

    [Fact]
    public void EveryLanguage_HasEveryKeyOfEnglish()
    {
        var catalog = TextCatalog.Load(Path.Combine(Root, "localization"));
        var english = catalog.Keys.Where(k => PluralRules.Split(k).Category is null).ToHashSet(StringComparer.Ordinal);
        var plurals = catalog.Keys.Select(PluralRules.Split).Where(p => p.Category is not null).Select(p => p.Base).ToHashSet(StringComparer.Ordinal);
        string[] all = ["en", "es", "fr", "de", "it", "ru", "uk", "pl", "ro", "ar", "tr", "pt"];

        Assert.Equal(all.Order(StringComparer.Ordinal), catalog.Languages.Select(l => l.Code).Order(StringComparer.Ordinal));
        foreach (var code in all)
        {
            var keys = JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "localization", code + ".json")))!.AsObject().Select(p => p.Key).Where(k => k != "$meta").ToHashSet(StringComparer.Ordinal);
            var expected = english.Concat(plurals.SelectMany(p => PluralRules.Categories(code).Select(c => p + "_" + c))).ToHashSet(StringComparer.Ordinal);
            Assert.True(expected.SetEquals(keys), $"{code}.json differs from en.json: missing {string.Join(", ", expected.Except(keys))}; extra {string.Join(", ", keys.Except(expected))}");
        }
    }

    [Fact]
    public void Translations_WrittenHere_AreMarkedAsDrafts()
    {
        var catalog = TextCatalog.Load(Path.Combine(Root, "localization"));

        Assert.All(catalog.Languages.Where(l => l.Code != "en"), l => Assert.Equal("draft", l.Review));
        Assert.Equal("rtl", catalog.ByCode["ar"].Direction);
    }

    [Fact]
    public void NoText_UsesTermsOtherThanChildSexualAbuseMaterial()
    {
        var all = string.Join("\n", Directory.EnumerateFiles(Path.Combine(Root, "localization"), "*.json").Select(File.ReadAllText));

        Assert.DoesNotContain("child porn", all, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("kiddie", all, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void MissingKey_FailsWithFileAndKey()
    {
        using var dir = TempContent.CopyOfShipped();
        var uk = Path.Combine(dir.Path, "localization", "uk.json");
        var json = JsonNode.Parse(File.ReadAllText(uk))!.AsObject();
        json.Remove("menu.exit");
        File.WriteAllText(uk, json.ToJsonString());

        var error = Assert.Throws<ContentValidationException>(() => BotContent.Load(dir.Path));

        Assert.EndsWith("uk.json", error.File, StringComparison.Ordinal);
        Assert.Contains("menu.exit", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void PlaceholderMismatch_FailsWithFileAndKey()
    {
        using var dir = TempContent.CopyOfShipped();
        var uk = Path.Combine(dir.Path, "localization", "uk.json");
        var json = JsonNode.Parse(File.ReadAllText(uk))!.AsObject();
        json["welcome.safety"] = "Телефонуй {number}";
        File.WriteAllText(uk, json.ToJsonString());

        var error = Assert.Throws<ContentValidationException>(() => BotContent.Load(dir.Path));

        Assert.Contains("welcome.safety", error.Reason, StringComparison.Ordinal);
        Assert.Contains("{number}", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void BrokenJson_FailsWithFileAndLine()
    {
        using var dir = TempContent.CopyOfShipped();
        File.WriteAllText(Path.Combine(dir.Path, "localization", "es.json"), "{\n  \"$meta\": {\n  oops\n}");

        var error = Assert.Throws<ContentValidationException>(() => BotContent.Load(dir.Path));

        Assert.EndsWith("es.json", error.File, StringComparison.Ordinal);
        Assert.Contains("line 3", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void MenuWithUnknownTextKey_OrWithoutExit_Fails()
    {
        using var dir = TempContent.CopyOfShipped();
        var menuFile = Path.Combine(dir.Path, "dialogs", "main-menu.json");
        var menu = JsonNode.Parse(File.ReadAllText(menuFile))!.AsObject();
        menu["items"]![0]!["title"] = "menu.nope";
        File.WriteAllText(menuFile, menu.ToJsonString());

        var unknownKey = Assert.Throws<ContentValidationException>(() => BotContent.Load(dir.Path));
        Assert.Contains("menu.nope", unknownKey.Reason, StringComparison.Ordinal);

        menu["items"] = new JsonArray(menu["items"]!.AsArray().Where(i => (string?)i!["action"] != "exit" && (string?)i!["title"] != "menu.nope").Select(i => i!.DeepClone()).ToArray());
        File.WriteAllText(menuFile, menu.ToJsonString());
        var noExit = Assert.Throws<ContentValidationException>(() => BotContent.Load(dir.Path));
        Assert.Contains("exit", noExit.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void UnverifiedHelplines_AreNeverShown()
    {
        var content = BotContent.Load(Root);

        Assert.DoesNotContain(content.Helplines.For("GB").Lines, l => l.Contact == "0800 1111");
        Assert.All(content.Helplines.Countries, c => Assert.All(content.Helplines.For(c).Lines, l => Assert.True(l.Verified)));
    }

    private sealed class TempContent : IDisposable
    {
        private TempContent(string path) => Path = path;

        public string Path { get; }

        public static TempContent CopyOfShipped()
        {
            var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "safetybot-content-" + Guid.NewGuid().ToString("N")[..8]);
            foreach (var folder in new[] { "dialogs", "dialogs/flows", "localization" })
            {
                Directory.CreateDirectory(System.IO.Path.Combine(path, folder));
                foreach (var file in Directory.EnumerateFiles(System.IO.Path.Combine(Root, folder), "*.json"))
                {
                    File.Copy(file, System.IO.Path.Combine(path, folder, System.IO.Path.GetFileName(file)));
                }
            }

            return new TempContent(path);
        }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
