using System.Text;
using Newtonsoft.Json.Linq;

namespace SafetyBot.Channels.Telegram.Tests;

public sealed class TelegramMappingTests
{
    [Fact]
    public void ShortText_IsOnePart()
    {
        Assert.Equal(["Hello."], TelegramText.Split("Hello."));
    }

    [Fact]
    public void LongText_IsSplitAtSentenceEnds_WithinTheLimit_AndNothingIsLost()
    {
        var sentence = "You are not alone, and it is not your fault. ";
        var text = string.Concat(Enumerable.Repeat(sentence, 300)).Trim();

        var parts = TelegramText.Split(text);

        Assert.True(parts.Count >= 3);
        Assert.All(parts, p => Assert.InRange(p.Length, 1, TelegramText.MaxLength));
        Assert.All(parts.SkipLast(1), p => Assert.EndsWith(".", p, StringComparison.Ordinal));
        Assert.Equal(text.Replace(" ", string.Empty, StringComparison.Ordinal), string.Concat(parts).Replace(" ", string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public void TextWithoutSpaces_IsCut_WithoutBreakingASurrogatePair()
    {
        var text = new string('a', 4095) + "😀" + new string('b', 10);

        var parts = TelegramText.Split(text);

        Assert.All(parts, p => Assert.InRange(p.Length, 1, TelegramText.MaxLength));
        Assert.Equal(text, string.Concat(parts));
        Assert.All(parts, p => Assert.False(char.IsHighSurrogate(p[^1])));
    }

    [Theory]
    [InlineData("helplines", null, "a:helplines")]
    [InlineData("setlanguage", "uk", "a:setlanguage:uk")]
    public void ButtonValues_RoundTripThroughCallbackData(string action, string? argument, string expected)
    {
        var value = new JObject { ["action"] = action };
        if (argument is not null)
        {
            value["argument"] = argument;
        }

        var data = TelegramCallbackData.Encode(value);
        var back = TelegramCallbackData.Decode(data);

        Assert.Equal(expected, data);
        Assert.True(JToken.DeepEquals(value, back));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("zz:helplines")]
    [InlineData("a:")]
    [InlineData("a:x:y:z")]
    [InlineData("a:<script>")]
    [InlineData("a:héllo")]
    public void ForgedOrStaleData_DecodesToNothing(string? data)
    {
        Assert.Null(TelegramCallbackData.Decode(data));
    }

    [Fact]
    public void ValuesThatWouldNotFitIn64Bytes_GetNoButton()
    {
        var value = new JObject { ["action"] = new string('a', 70) };

        Assert.Null(TelegramCallbackData.Encode(value));
        Assert.True(Encoding.UTF8.GetByteCount(TelegramCallbackData.Encode(new JObject { ["action"] = new string('a', 62) })!) <= 64);
    }
}
