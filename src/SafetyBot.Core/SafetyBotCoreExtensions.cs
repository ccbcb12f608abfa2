using Microsoft.Bot.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SafetyBot.Core.Analysis;
using SafetyBot.Core.Bot;
using SafetyBot.Core.Dialogs;
using SafetyBot.Core.Delivery;
using SafetyBot.Core.Handoff;
using SafetyBot.Core.Conversations;
using SafetyBot.Core.Pipeline;
using SafetyBot.Core.Storage;
using SafetyBot.Core.Streams;
using SafetyBot.Core.Transcripts;

namespace SafetyBot.Core;

/// <summary>Returned by <c>AddSafetyBot*</c> so that features can be chained.</summary>
public sealed record SafetyBotBuilder(IServiceCollection Services);

public static class SafetyBotCoreExtensions
{
    /// <summary>
    /// Registers the turn pipeline, the bot, its content, and in-process stores (replaced by
    /// <c>AddSafetyBotRedis</c> when Redis is configured).
    /// </summary>
    public static SafetyBotBuilder AddSafetyBotCore(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<TranscriptOptions>().BindConfiguration(TranscriptOptions.SectionName)
            .Validate(o => string.IsNullOrWhiteSpace(o.EncryptionKey) || IsKey(o.EncryptionKey),
                "Transcripts:EncryptionKey must be base64 of exactly 32 random bytes (e.g. `openssl rand -base64 32`).")
            .ValidateOnStart();
        services.AddOptions<ContentOptions>().BindConfiguration(ContentOptions.SectionName);

        services.TryAddSingleton(sp => BotContent.Load(BotContent.LocateRoot(sp.GetRequiredService<IOptions<ContentOptions>>().Value.Root)));
        services.TryAddSingleton(sp => sp.GetRequiredService<BotContent>().Catalog);
        services.TryAddSingleton(sp => SafetyAnalyzer.LoadShared(SafetyAnalyzer.LocateFolder(BotContent.LocateRoot(sp.GetRequiredService<IOptions<ContentOptions>>().Value.Root))));
        services.TryAddSingleton<TranscriptCipher>();
        services.TryAddSingleton<IStorage, InProcessStorage>();
        services.TryAddSingleton<ITranscriptArchive, InProcessTranscriptArchive>();
        services.TryAddSingleton<IActivityStreamStore, InProcessActivityStreamStore>();
        services.TryAddSingleton<IConversationTurnLock, InProcessTurnLock>();
        services.TryAddSingleton<ITurnStore, ComposedTurnStore>();
        services.TryAddSingleton<ConversationState>(sp => new TurnConversationState(sp.GetRequiredService<IStorage>()));
        services.TryAddSingleton<ConversationEraser>();
        services.TryAddSingleton<IWaitingRoom, InProcessWaitingRoom>();
        services.TryAddSingleton<IPostboxes, InProcessPostboxes>();
        services.AddOptions<HandoffOptions>().BindConfiguration(HandoffOptions.SectionName)
            .Validate(o => o.MaxDeliveries >= 1 && o.ClaimLease >= TimeSpan.FromSeconds(1), "Handoff:MaxDeliveries must be at least 1 and Handoff:ClaimLease at least one second.")
            .Validate(o => TimeZoneInfo.TryFindSystemTimeZoneById(o.TimeZone, out _), "Handoff:TimeZone must be a time zone id such as Europe/Kyiv.")
            .Validate(o => o.OpeningHours.All(h => ValidHours(h.Value)), "Handoff:OpeningHours:<language> must read like 'Mon-Fri 09:00-17:00; Sat 10:00-14:00'.")
            .ValidateOnStart();
        services.TryAddSingleton<IHandoffService, HandoffService>();
        services.TryAddSingleton<HandoffEvents>();
        services.TryAddSingleton<HotlineDesk>();
        services.TryAddSingleton<IHotlineFeed, NoHotlineFeed>();
        services.TryAddSingleton(sp =>
        {
            var content = sp.GetRequiredService<BotContent>();
            return new DialogEngine(content.Flows, content.Catalog, content.Helplines,
                new AnswerRecognizer(content.Catalog, sp.GetRequiredService<TimeProvider>()),
                sp.GetRequiredService<SafetyAnalyzer>(), sp.GetRequiredService<IHandoffService>());
        });
        services.TryAddSingleton<SafetyBotBot>();
        services.TryAddSingleton<TurnPipeline>();
        return new SafetyBotBuilder(services);
    }

    private static bool ValidHours(string text)
    {
        try
        {
            _ = OpeningHours.Parse(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool IsKey(string base64)
    {
        Span<byte> buffer = stackalloc byte[64];
        return Convert.TryFromBase64String(base64.Trim(), buffer, out var written) && written == 32;
    }
}
