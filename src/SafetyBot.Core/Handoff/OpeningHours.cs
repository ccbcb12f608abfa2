using System.Globalization;

namespace SafetyBot.Core.Handoff;

/// <summary>
/// When the team answers, e.g. <c>"Mon-Fri 09:00-17:00; Sat 10:00-14:00"</c> (days Mon…Sun, ranges or single days,
/// 24-hour times, an end of 24:00 for midnight), read in the hotline's time zone. Empty means always open.
/// </summary>
public sealed class OpeningHours
{
    private static readonly string[] Days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    private readonly List<(DayOfWeek Day, TimeSpan From, TimeSpan To)> _slots;

    private OpeningHours(List<(DayOfWeek, TimeSpan, TimeSpan)> slots) => _slots = slots;

    public static OpeningHours Always { get; } = new([]);

    public bool IsOpen(DateTimeOffset now, TimeZoneInfo zone)
    {
        if (_slots.Count == 0)
        {
            return true;
        }

        var local = TimeZoneInfo.ConvertTime(now, zone);
        return _slots.Any(s => s.Day == local.DayOfWeek && local.TimeOfDay >= s.From && local.TimeOfDay < s.To);
    }

    /// <summary>Reads a specification; a mistake names what could not be read.</summary>
    public static OpeningHours Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Always;
        }

        var slots = new List<(DayOfWeek, TimeSpan, TimeSpan)>();
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pieces = part.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (pieces.Length != 2)
            {
                throw new FormatException($"'{part}' should be days and hours, like 'Mon-Fri 09:00-17:00'");
            }

            var days = pieces[0].ToLowerInvariant().Split('-');
            var first = Array.IndexOf(Days, days[0]);
            var last = days.Length == 2 ? Array.IndexOf(Days, days[1]) : first;
            var hours = pieces[1].Split('-');
            if (first < 0 || last < 0 || days.Length > 2 || hours.Length != 2 || !TryTime(hours[0], out var from) || !TryTime(hours[1], out var to) || to <= from)
            {
                throw new FormatException($"'{part}' should be days (Mon…Sun) and hours, like 'Mon-Fri 09:00-17:00'");
            }

            for (var day = first; ; day = (day + 1) % 7)
            {
                slots.Add(((DayOfWeek)day, from, to));
                if (day == last)
                {
                    break;
                }
            }
        }

        return new OpeningHours(slots);
    }

    private static bool TryTime(string text, out TimeSpan time)
    {
        if (text == "24:00")
        {
            time = TimeSpan.FromHours(24);
            return true;
        }

        return TimeSpan.TryParseExact(text, @"hh\:mm", CultureInfo.InvariantCulture, out time);
    }
}
