namespace SafetyBot.Core.Handoff;

/// <summary>Asks the hotline for a person to take a conversation.</summary>
public interface IHandoffService
{
    ValueTask<HandoffTicket> RequestAsync(HandoffRequest request, CancellationToken cancellationToken);

    /// <summary>About how many minutes someone at this place in line will wait (0 when it cannot be said).</summary>
    ValueTask<int> EstimateMinutesAsync(int position, CancellationToken cancellationToken);
}

/// <summary>What staff need to route a conversation: language, channel, country, crisis, and what the person already did.</summary>
public sealed record HandoffRequest(
    string ConversationId,
    string Channel,
    string Language,
    string? Country,
    bool Crisis,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Results)
{
    /// <summary>The flow the person asked for a person from (e.g. "selfcheck"), for the queue's topic column.</summary>
    public string? Topic { get; init; }

    /// <summary>A message left for the team: queued even when nobody is online.</summary>
    public bool Offline { get; init; }

    /// <summary>How to reach the conversation again (a serialised Bot Framework conversation reference).</summary>
    public string? Reference { get; init; }

    /// <summary>The person said they are, or were when it happened, under 18.</summary>
    public bool UnderEighteen =>
        Results.Values.Any(r => r.TryGetValue("age", out var age) && int.TryParse(age, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var years) && years < 18);

    /// <summary>Warning signs already known: categories a checked message showed, and the self-check's level.</summary>
    public IReadOnlyList<string> Signals =>
    [
        .. Crisis ? ["crisis"] : Array.Empty<string>(),
        .. Results.Values.Where(r => r.ContainsKey("signals")).SelectMany(r => r["signals"].Split(',', StringSplitOptions.RemoveEmptyEntries)),
        .. Results.TryGetValue("selfcheck", out var selfCheck) && selfCheck.TryGetValue("level", out var level) ? ["selfcheck:" + level] : Array.Empty<string>(),
    ];
}

/// <summary>Queued with a place in line, or nobody can take the conversation now.</summary>
public sealed record HandoffTicket(bool Queued, int Position)
{
    /// <summary>About how long the wait is, in minutes (0: not said).</summary>
    public int EstimatedMinutes { get; init; }

    public static readonly HandoffTicket Unavailable = new(false, 0);
}
