using System.ComponentModel.DataAnnotations;

namespace SafetyBot.Redis;

public sealed class RedisOptions
{
    public const string SectionName = "Redis";

    /// <summary>A StackExchange.Redis configuration string, e.g. <c>localhost:6379,password=…</c>. Empty: Redis is off.</summary>
    public string? Configuration { get; set; }

    /// <summary>Prepended to every key, so several deployments (or tests) can share one Redis.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Redis:KeyPrefix must not be empty.")]
    [RegularExpression(@"^[A-Za-z0-9:_\-\.]{1,64}$", ErrorMessage = "Redis:KeyPrefix may hold letters, digits and : _ - . (at most 64).")]
    public string KeyPrefix { get; set; } = "safetybot:";

    /// <summary>How long a host holds a conversation's turn lease before another host may take it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Redis:TurnLease must be between 1 second and 10 minutes.")]
    public TimeSpan TurnLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a turn waits for its conversation's lease before giving up with the helpline answer.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Redis:TurnLockWait must be between 1 second and 10 minutes.")]
    public TimeSpan TurnLockWait { get; set; } = TimeSpan.FromSeconds(60);
}
