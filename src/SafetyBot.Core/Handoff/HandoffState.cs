namespace SafetyBot.Core.Handoff;

/// <summary>Who owns a conversation: the bot, the waiting room, or a staff member.</summary>
public static class HandoffStatuses
{
    public const string Bot = "bot";
    public const string Queued = "queued";
    public const string WithAgent = "agent";
    public const string Resolved = "resolved";
}

/// <summary>A conversation's owner and every change of owner, kept in conversation state.</summary>
public sealed class HandoffInfo
{
    public string Status { get; set; } = HandoffStatuses.Bot;

    public string? Agent { get; set; }

    public DateTimeOffset? Since { get; set; }

    public List<HandoffTransition> History { get; set; } = [];

    public void MoveTo(string status, DateTimeOffset at, string? by = null, string? outcome = null)
    {
        History.Add(new HandoffTransition { From = Status, To = status, At = at, By = by, Outcome = outcome });
        Status = status;
        Since = at;
        Agent = status == HandoffStatuses.WithAgent ? by : null;
    }
}

public sealed class HandoffTransition
{
    public string From { get; set; } = string.Empty;

    public string To { get; set; } = string.Empty;

    public DateTimeOffset At { get; set; }

    public string? By { get; set; }

    public string? Outcome { get; set; }
}
