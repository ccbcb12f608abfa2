namespace SafetyBot.Core.Handoff;

/// <summary>Asks the hotline for a person to take a conversation.</summary>
public interface IHandoffService
{
    ValueTask<HandoffTicket> RequestAsync(HandoffRequest request, CancellationToken cancellationToken);
}

/// <summary>What staff need to route a conversation: language, channel, country, crisis, and what the person already did.</summary>
public sealed record HandoffRequest(
    string ConversationId,
    string Channel,
    string Language,
    string? Country,
    bool Crisis,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Results);

/// <summary>Queued with a place in line, or nobody can take the conversation now.</summary>
public sealed record HandoffTicket(bool Queued, int Position)
{
    public static readonly HandoffTicket Unavailable = new(false, 0);
}
