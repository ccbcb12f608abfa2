using Microsoft.Extensions.Options;
using SafetyBot.Core.Handoff;
using SafetyBot.Testing;

namespace SafetyBot.Core.Tests.Storage;

/// <summary>Opening hours per language: outside them the person gets the helplines at once, and can still leave a message.</summary>
public sealed class OpeningHoursTests
{
    private static readonly TimeZoneInfo Kyiv = TimeZoneInfo.FindSystemTimeZoneById("Europe/Kyiv");

    [Theory]
    [InlineData("2026-11-27T07:30:00Z", true)]   // Friday 09:30 in Kyiv
    [InlineData("2026-11-27T15:30:00Z", false)]  // Friday 17:30 in Kyiv
    [InlineData("2026-11-28T09:00:00Z", true)]   // Saturday 11:00
    [InlineData("2026-11-29T09:00:00Z", false)]  // Sunday
    public void Hours_AreReadInTheHotlinesTimeZone(string utc, bool open) =>
        Assert.Equal(open, OpeningHours.Parse("Mon-Fri 09:00-17:00; Sat 10:00-14:00").IsOpen(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), Kyiv));

    [Theory]
    [InlineData("Mon-Fri")]
    [InlineData("Mon-Fri 9-17")]
    [InlineData("Funday 09:00-17:00")]
    [InlineData("Mon 17:00-09:00")]
    public void AMistake_IsRefused(string text) => Assert.Throws<FormatException>(() => OpeningHours.Parse(text));

    [Fact]
    public void NoHours_MeansAlwaysOpen_AndAWeekRangeCanWrapAround() =>
        Assert.True(OpeningHours.Parse("").IsOpen(DateTimeOffset.UnixEpoch, Kyiv) && OpeningHours.Parse("Sat-Mon 00:00-24:00").IsOpen(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero), TimeZoneInfo.Utc));

    [Fact]
    public async Task OutsideTheHoursForTheirLanguage_NobodyIsQueued_ButAMessageCanBeLeft()
    {
        var clock = new ManualClock(); // Friday 2026-11-27 12:00 UTC
        var room = new InProcessWaitingRoom(clock);
        await room.SetPresenceAsync("amira", online: true, TimeSpan.FromHours(1));
        var options = new HandoffOptions { TimeZone = "UTC" };
        options.OpeningHours["uk"] = "Mon-Fri 08:00-11:00";
        options.OpeningHours["*"] = "Mon-Fri 09:00-17:00";
        var service = new HandoffService(room, clock, Options.Create(options));
        HandoffRequest Request(string language, bool offline = false) =>
            new("c-" + language + offline, "webchat", language, null, false, new Dictionary<string, IReadOnlyDictionary<string, string>>()) { Offline = offline };

        Assert.False((await service.RequestAsync(Request("uk"), default)).Queued);
        Assert.True((await service.RequestAsync(Request("uk", offline: true), default)).Queued);
        Assert.True((await service.RequestAsync(Request("en"), default)).Queued);
    }

    [Theory]
    [InlineData(1, 1, 10)]
    [InlineData(3, 1, 30)]
    [InlineData(3, 2, 20)]
    [InlineData(4, 2, 20)]
    [InlineData(1, 0, 0)]
    public void TheWaitEstimate_SharesThePeopleAheadAmongTheStaffOnline(int position, int staff, int minutes) =>
        Assert.Equal(minutes, HandoffService.Estimate(position, staff, 10));
}
