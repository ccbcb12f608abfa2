using System.Collections.Frozen;

namespace SafetyBot.Core.Analysis;

/// <summary>The warning-sign categories the analyser reports; ids are part of the public API.</summary>
public static class SignalCategories
{
    public const string Secrecy = "secrecy";
    public const string Isolation = "isolation";
    public const string FlatteryGifts = "flattery_gifts";
    public const string PlatformMove = "platform_move";
    public const string ImageRequest = "image_request";
    public const string SexualTalk = "sexual_talk";
    public const string MeetingRequest = "meeting_request";
    public const string ThreatExtortion = "threat_extortion";
    public const string PaymentDemand = "payment_demand";
    public const string JobOfferAbroad = "job_offer_abroad";
    public const string DocumentControlDebt = "document_control_debt";
    public const string CrisisDanger = "crisis_danger";
    public const string CrisisSelfHarm = "crisis_self_harm";

    /// <summary>All ids, in the order results list them.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        Secrecy, Isolation, FlatteryGifts, PlatformMove, ImageRequest, SexualTalk, MeetingRequest,
        ThreatExtortion, PaymentDemand, JobOfferAbroad, DocumentControlDebt, CrisisDanger, CrisisSelfHarm,
    ];

    public static readonly FrozenDictionary<string, int> Order =
        All.Select((id, i) => (id, i)).ToFrozenDictionary(x => x.id, x => x.i, StringComparer.Ordinal);

    public static bool IsCrisis(string category) => category is CrisisDanger or CrisisSelfHarm;
}

/// <summary>Who wrote the message.</summary>
public enum MessageRole
{
    /// <summary>Not said: every rule applies, crisis included.</summary>
    Unknown = 0,

    /// <summary>What the person writes to SafetyBot: the crisis check applies.</summary>
    User = 1,

    /// <summary>A message the person received from someone else and pasted to check.</summary>
    Received = 2,
}

/// <summary>One warning sign and the words of the message that show it.</summary>
public sealed record AnalysisSignal(string Category, string Evidence);

/// <summary>What the analyser found in one message.</summary>
public sealed record AnalysisResult(string Language, IReadOnlyList<AnalysisSignal> Signals, bool Crisis)
{
    public bool Has(string category) => Signals.Any(s => s.Category == category);
}
