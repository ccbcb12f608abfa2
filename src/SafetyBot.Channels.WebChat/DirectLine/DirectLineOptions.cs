using System.ComponentModel.DataAnnotations;

namespace SafetyBot.Channels.WebChat.DirectLine;

public sealed class DirectLineOptions
{
    public const string SectionName = "DirectLine";

    /// <summary>The Direct Line secret for server-side token generation. Empty: only the public widget token endpoint issues tokens.</summary>
    public string? Secret { get; set; }

    /// <summary>Base64 key (at least 32 bytes) that signs tokens. Hosts sharing one Redis must share it. Empty: derived from the secret, else random per process.</summary>
    public string? TokenSigningKey { get; set; }

    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00", ErrorMessage = "DirectLine:TokenLifetime must be between 1 minute and 1 day.")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(30);

    [Range(1024, 1024 * 1024, ErrorMessage = "DirectLine:MaxActivityBytes must be between 1 KB and 1 MB.")]
    public int MaxActivityBytes { get; set; } = 256 * 1024;

    /// <summary>Public base URL (e.g. https://help.example.org) used in stream URLs behind a proxy. Empty: taken from the request.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>Anonymous widget tokens per client IP per minute.</summary>
    [Range(1, 100_000, ErrorMessage = "DirectLine:TokensPerIpPerMinute must be between 1 and 100000.")]
    public int TokensPerIpPerMinute { get; set; } = 60;

    /// <summary>Activities a conversation may post per 10 seconds.</summary>
    [Range(1, 100_000, ErrorMessage = "DirectLine:ActivitiesPerConversationPer10Seconds must be between 1 and 100000.")]
    public int ActivitiesPerConversationPer10Seconds { get; set; } = 30;

    /// <summary>Origins allowed to call the API from a browser. Empty: any origin (tokens, not cookies, protect it).</summary>
    public string[] AllowedOrigins { get; set; } = [];
}
