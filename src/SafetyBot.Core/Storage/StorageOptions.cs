using System.ComponentModel.DataAnnotations;

namespace SafetyBot.Core.Storage;

/// <summary>Retention of everything SafetyBot stores about a conversation.</summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Retention";

    /// <summary>How long conversation state, transcripts and activity streams are kept after their last change.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "90.00:00:00", ErrorMessage = "Retention:Conversation must be between 1 minute and 90 days.")]
    public TimeSpan Conversation { get; set; } = TimeSpan.FromDays(7);
}
