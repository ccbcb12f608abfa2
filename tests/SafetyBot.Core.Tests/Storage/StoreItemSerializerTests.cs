using Newtonsoft.Json;
using SafetyBot.Core.Bot;
using SafetyBot.Core.Storage;

namespace SafetyBot.Core.Tests.Storage;

public sealed class StoreItemSerializerTests
{
    // A conversation state as stored before type names were limited to open declared types: every object and list named its type.
    private const string StoredWithEveryTypeName = """
        {"$type":"System.Collections.Generic.Dictionary`2[[System.String, System.Private.CoreLib],[System.Object, System.Private.CoreLib]], System.Private.CoreLib","ConversationData":{"$type":"SafetyBot.Core.Bot.ConversationData, SafetyBot.Core","Language":"de","LanguageChosen":false,"LanguageHinted":true,"Country":"DE","Welcomed":true,"Turns":3,"Partner":"p1","Crisis":false,"Dialog":{"$type":"System.Collections.Generic.List`1[[SafetyBot.Core.Dialogs.DialogFrame, SafetyBot.Core]], System.Private.CoreLib","$values":[{"$type":"SafetyBot.Core.Dialogs.DialogFrame, SafetyBot.Core","Flow":"helplines","Version":1,"Node":"confirm","Waiting":true,"Attempts":1,"Values":{"$type":"System.Collections.Generic.Dictionary`2[[System.String, System.Private.CoreLib],[System.String, System.Private.CoreLib]], System.Private.CoreLib","countryGuess":"DE"}}]},"Results":{"$type":"System.Collections.Generic.Dictionary`2[[System.String, System.Private.CoreLib],[System.Collections.Generic.Dictionary`2[[System.String, System.Private.CoreLib],[System.String, System.Private.CoreLib]], System.Private.CoreLib]], System.Private.CoreLib","selfcheck":{"$type":"System.Collections.Generic.Dictionary`2[[System.String, System.Private.CoreLib],[System.String, System.Private.CoreLib]], System.Private.CoreLib","level":"high"}},"Handoff":{"$type":"SafetyBot.Core.Handoff.HandoffInfo, SafetyBot.Core","Status":"waiting","Agent":null,"Since":"2026-11-27T10:00:00+00:00","History":{"$type":"System.Collections.Generic.List`1[[SafetyBot.Core.Handoff.HandoffTransition, SafetyBot.Core]], System.Private.CoreLib","$values":[{"$type":"SafetyBot.Core.Handoff.HandoffTransition, SafetyBot.Core","From":"bot","To":"waiting","At":"2026-11-27T10:00:00+00:00","By":null,"Outcome":null}]}}},"Other":{"$type":"System.Collections.Generic.Dictionary`2[[System.String, System.Private.CoreLib],[System.Object, System.Private.CoreLib]], System.Private.CoreLib","n":5,"list":{"$type":"System.Collections.Generic.List`1[[System.String, System.Private.CoreLib]], System.Private.CoreLib","$values":["a","b"]}}}
        """;

    [Fact]
    public void StateStoredWithEveryTypeName_StillReads()
    {
        var state = Assert.IsType<Dictionary<string, object>>(StoreItemSerializer.Deserialize(StoredWithEveryTypeName));

        AssertIsTheSample(state);
    }

    [Fact]
    public void State_RoundTripsWithItsTypes()
    {
        var old = Assert.IsType<Dictionary<string, object>>(StoreItemSerializer.Deserialize(StoredWithEveryTypeName));

        var state = Assert.IsType<Dictionary<string, object>>(StoreItemSerializer.Deserialize(StoreItemSerializer.Serialize(old)));

        AssertIsTheSample(state);
    }

    [Fact]
    public void TypeNames_AreWrittenOnlyWhereTheDeclaredTypeLeavesThemOpen()
    {
        var old = StoreItemSerializer.Deserialize(StoredWithEveryTypeName)!;

        var json = StoreItemSerializer.Serialize(old);

        Assert.Contains("\"$type\":\"SafetyBot.Core.Bot.ConversationData, SafetyBot.Core\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("DialogFrame", json, StringComparison.Ordinal);
        Assert.DoesNotContain("$values\":[{", json, StringComparison.Ordinal);
    }

    [Fact]
    public void ANameOutsideTheAllowList_IsRefused()
    {
        const string Json = """{"$type":"System.IO.FileInfo, System.Private.CoreLib","fileName":"x"}""";

        Assert.Throws<JsonSerializationException>(() => StoreItemSerializer.Deserialize(Json));
    }

    private static void AssertIsTheSample(Dictionary<string, object> state)
    {
        var data = Assert.IsType<ConversationData>(state["ConversationData"]);
        Assert.Equal(("de", true, "DE", 3, "p1"), (data.Language, data.LanguageHinted, data.Country, data.Turns, data.Partner));
        var frame = Assert.Single(data.Dialog);
        Assert.Equal(("helplines", 1, "confirm", true, 1), (frame.Flow, frame.Version, frame.Node, frame.Waiting, frame.Attempts));
        Assert.Equal("DE", frame.Values["countryGuess"]);
        Assert.Equal("high", data.Results["selfcheck"]["level"]);
        Assert.Equal("waiting", data.Handoff.Status);
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero), data.Handoff.Since);
        var transition = Assert.Single(data.Handoff.History);
        Assert.Equal(("bot", "waiting"), (transition.From, transition.To));
        var other = Assert.IsType<Dictionary<string, object>>(state["Other"]);
        Assert.Equal(5L, other["n"]);
        Assert.Equal(["a", "b"], Assert.IsType<List<string>>(other["list"]));
    }
}
