namespace SafetyBot.Core.Transcripts;

/// <summary>One line of a conversation's transcript, as hotline staff will read it.</summary>
public sealed record TranscriptEntry(
    DateTimeOffset Timestamp,
    string Role,
    string Type,
    string? Text,
    IReadOnlyList<string>? Choices = null);

public static class TranscriptRoles
{
    public const string User = "user";
    public const string Bot = "bot";
    public const string Staff = "staff";
}
