using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using SafetyBot.Core.Bot;
using SafetyBot.Core.Localization;

namespace SafetyBot.Core.Tests.Dialogs;

/// <summary>A broken flow or language file stops start-up with the file, the path and the reason.</summary>
public sealed class FlowValidationTests
{
    public static TheoryData<string, string, string, string> BrokenFlows() => new()
    {
        // flow, node, JSON to put in its place, words the error must contain
        { "selfcheck", "secrecy", """{ "type": "ask", "kind": "yesno", "text": "selfcheck.q.secrecy", "save": "secrecy", "next": "nowhere" }""", "nodes.secrecy.next: no node 'nowhere'" },
        { "selfcheck", "secrecy", """{ "type": "question", "text": "selfcheck.q.secrecy" }""", "nodes.secrecy.type: unknown node type 'question'" },
        { "selfcheck", "secrecy", """{ "type": "ask", "kind": "yesno", "text": "selfcheck.q.nope", "save": "secrecy", "next": "isolation" }""", "nodes.secrecy.text: unknown text key 'selfcheck.q.nope'" },
        { "selfcheck", "secrecy", """{ "type": "ask", "kind": "yesno", "text": "joboffer.url_check", "save": "secrecy", "next": "isolation" }""", "text 'joboffer.url_check' has the placeholder {site}, which nothing fills here" },
        { "selfcheck", "secrecy", """{ "type": "ask", "kind": "yesno", "text": "selfcheck.q.secrecy", "save": "secrecy", "nxt": "isolation" }""", "nodes.secrecy.nxt: unknown field" },
        { "selfcheck", "secrecy", """{ "type": "ask", "kind": "maybe", "text": "selfcheck.q.secrecy", "save": "secrecy" }""", "nodes.secrecy.kind: unknown kind 'maybe'" },
        { "selfcheck", "to_person", """{ "type": "call", "flow": "nosuchflow", "next": "done" }""", "nodes.to_person.flow: no flow 'nosuchflow'" },
        { "selfcheck", "level", """{ "type": "branch", "cases": [ { "if": { "var": "secrcy", "equals": "yes" }, "next": "level_danger" } ], "else": "level_none" }""", "reads variable 'secrcy', which nothing in this flow sets" },
        { "selfcheck", "level", """{ "type": "branch", "cases": [ { "if": { "signal": "grooming" }, "next": "level_danger" } ], "else": "level_none" }""", "unknown category 'grooming'" },
        { "checkmessage", "ask", """{ "type": "ask", "kind": "text", "text": "checkmessage.ask", "analyze": "received", "save": "message", "next": "found" }""", "saved as 'signals'" },
        { "welcome", "safe_now", """{ "type": "ask", "kind": "choice", "text": "welcome.safe_now", "save": "safe", "choices": [ { "value": "Yes!", "text": "welcome.safe_yes" } ] }""", "choices[0].value: 'Yes!'" },
    };

    [Theory]
    [MemberData(nameof(BrokenFlows))]
    public void ABrokenFlow_StopsStartUp_WithFilePathAndReason(string flow, string node, string replacement, string expected)
    {
        using var copy = ContentCopy.Create();
        copy.Edit($"dialogs/flows/{flow}.json", json => json["nodes"]![node] = JsonNode.Parse(replacement));

        var error = Assert.Throws<ContentValidationException>(() => BotContent.Load(copy.Path));

        Assert.Equal(copy.FlowFile(flow), error.File);
        Assert.Contains(expected, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void BrokenJson_InAFlow_NamesTheLine()
    {
        using var copy = ContentCopy.Create();
        File.WriteAllText(copy.FlowFile("human"), "{\n  \"id\": \"human\",\n  \"nodes\": {\n    oops\n}");

        var error = Assert.Throws<ContentValidationException>(() => BotContent.Load(copy.Path));

        Assert.Equal(copy.FlowFile("human"), error.File);
        Assert.Contains("line 4", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AFlowWhoseIdIsNotItsFileName_OrWithoutAVersion_IsRefused()
    {
        using var copy = ContentCopy.Create();
        copy.Edit("dialogs/flows/human.json", json => json["id"] = "person");
        Assert.Contains("must be the file's name", Assert.Throws<ContentValidationException>(() => BotContent.Load(copy.Path)).Reason, StringComparison.Ordinal);

        copy.Edit("dialogs/flows/human.json", json => { json["id"] = "human"; json.Remove("version"); });
        Assert.Contains("version", Assert.Throws<ContentValidationException>(() => BotContent.Load(copy.Path)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AMenuItemNamingAFlowThatDoesNotExist_IsRefused()
    {
        using var copy = ContentCopy.Create();
        copy.Edit("dialogs/main-menu.json", json => json["items"]![0]!["flow"] = "nosuchflow");

        var error = Assert.Throws<ContentValidationException>(() => BotContent.Load(copy.Path));

        Assert.EndsWith("main-menu.json", error.File, StringComparison.Ordinal);
        Assert.Contains("items[0].flow: no flow 'nosuchflow'", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ru", "selfcheck.result.count_few", "key 'selfcheck.result.count_few' is missing (the plural forms of ru are one, few, many, other)")]
    [InlineData("de", "selfcheck.result.count_one", "key 'selfcheck.result.count_one' is missing")]
    public void AMissingPluralForm_IsRefused(string language, string key, string expected)
    {
        using var copy = ContentCopy.Create();
        copy.Edit($"localization/{language}.json", json => json.Remove(key));

        var error = Assert.Throws<ContentValidationException>(() => BotContent.Load(copy.Path));

        Assert.EndsWith($"{language}.json", error.File, StringComparison.Ordinal);
        Assert.Contains(expected, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void APluralFormTheLanguageDoesNotHave_IsRefused()
    {
        using var copy = ContentCopy.Create();
        copy.Edit("localization/de.json", json => json["selfcheck.result.count_few"] = "{count} Warnzeichen:");

        var error = Assert.Throws<ContentValidationException>(() => BotContent.Load(copy.Path));

        Assert.Contains("de has no plural form 'few'", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("en", 1, "one")]
    [InlineData("en", 2, "other")]
    [InlineData("ru", 1, "one")]
    [InlineData("ru", 3, "few")]
    [InlineData("ru", 5, "many")]
    [InlineData("ru", 11, "many")]
    [InlineData("ru", 21, "one")]
    [InlineData("uk", 22, "few")]
    [InlineData("pl", 1, "one")]
    [InlineData("pl", 12, "many")]
    [InlineData("pl", 24, "few")]
    [InlineData("ro", 0, "few")]
    [InlineData("ro", 20, "other")]
    [InlineData("ar", 0, "zero")]
    [InlineData("ar", 2, "two")]
    [InlineData("ar", 5, "few")]
    [InlineData("ar", 13, "many")]
    [InlineData("ar", 100, "other")]
    [InlineData("fr", 0, "one")]
    public void PluralCategories_FollowCldr(string language, int n, string category) =>
        Assert.Equal(category, PluralRules.Category(language, n));

    [Fact]
    public void EveryShippedFlow_MatchesThePublishedSchema_AndTheSchemaCatchesAnUnknownField()
    {
        var schema = JsonSchema.FromFile(Path.Combine(ContentCopy.ShippedRoot, "dialogs", "flow.schema.json"));
        var options = new EvaluationOptions { OutputFormat = OutputFormat.List };
        var files = Directory.EnumerateFiles(Path.Combine(ContentCopy.ShippedRoot, "dialogs", "flows"), "*.json").ToList();

        Assert.True(files.Count >= 7);
        foreach (var file in files)
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            var result = schema.Evaluate(document.RootElement, options);
            Assert.True(result.IsValid, $"{Path.GetFileName(file)}: {string.Join("; ", (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} {e.Value}")))}");
        }

        var broken = JsonNode.Parse(File.ReadAllText(files[0]))!.AsObject();
        broken["nodes"]!.AsObject().First().Value!["nxt"] = "x";
        using var brokenDocument = JsonDocument.Parse(broken.ToJsonString());
        Assert.False(schema.Evaluate(brokenDocument.RootElement, options).IsValid);
    }
}
