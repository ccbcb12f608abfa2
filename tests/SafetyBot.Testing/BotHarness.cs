using System.Collections.Concurrent;
using Microsoft.Bot.Builder;
using Microsoft.Bot.Schema;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SafetyBot.Core;
using SafetyBot.Core.Pipeline;

namespace SafetyBot.Testing;

/// <summary>
/// SafetyBot's real turn pipeline and bot behind a recording adapter, composed like the host composes
/// them, so dialog behaviour can be tested without a channel.
/// </summary>
public sealed class BotHarness : IAsyncDisposable
{
    private BotHarness(ServiceProvider services)
    {
        Services = services;
        Adapter = new RecordingAdapter(services.GetRequiredService<TurnPipeline>());
    }

    public ServiceProvider Services { get; }

    public RecordingAdapter Adapter { get; }

    /// <summary>A shipped text in a language, with its placeholders filled (the emergency number defaults to 112).</summary>
    public string Text(string language, string key, params (string Name, string Value)[] values) =>
        Services.GetRequiredService<SafetyBot.Core.Localization.TextCatalog>().Format(language, key, [("emergency", "112"), .. values]);

    public static BotHarness Create(IDictionary<string, string?>? settings = null, Action<SafetyBotBuilder>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Debug));
        var builder = services.AddSafetyBotCore();
        configure?.Invoke(builder);
        return new BotHarness(services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true }));
    }

    public static Activity Message(string conversationId, string? text, object? value = null, string? locale = "en") => new()
    {
        Type = ActivityTypes.Message,
        Id = Guid.NewGuid().ToString("N"),
        Text = text,
        Value = value is null ? null : Newtonsoft.Json.Linq.JObject.FromObject(value),
        Locale = locale,
        ChannelId = "test",
        Timestamp = DateTimeOffset.UtcNow,
        Conversation = new ConversationAccount { Id = conversationId },
        From = new ChannelAccount { Id = "user-" + conversationId, Role = RoleTypes.User },
        Recipient = new ChannelAccount { Id = "bot", Role = RoleTypes.Bot },
    };

    public static Activity ConversationStart(string conversationId, string? locale)
    {
        var user = new ChannelAccount { Id = "user-" + conversationId, Role = RoleTypes.User };
        return new Activity
        {
            Type = ActivityTypes.ConversationUpdate,
            Id = Guid.NewGuid().ToString("N"),
            Locale = locale,
            ChannelId = "test",
            Conversation = new ConversationAccount { Id = conversationId },
            From = user,
            Recipient = new ChannelAccount { Id = "bot", Role = RoleTypes.Bot },
            MembersAdded = [user],
        };
    }

    /// <summary>Runs one turn and returns what the bot sent during it.</summary>
    public async Task<IReadOnlyList<Activity>> SendAsync(Activity activity, string? clientLocale = null)
    {
        var before = Adapter.Sent(activity.Conversation.Id).Count;
        await Adapter.ProcessActivityAsync(activity, turn =>
        {
            if (clientLocale is not null)
            {
                turn.TurnState[TurnKeys.ClientLocale] = clientLocale;
            }
        }, CancellationToken.None);
        return [.. Adapter.Sent(activity.Conversation.Id).Skip(before)];
    }

    public async ValueTask DisposeAsync() => await Services.DisposeAsync();

    public sealed class RecordingAdapter(TurnPipeline pipeline) : SafetyBotAdapter(pipeline)
    {
        private readonly ConcurrentDictionary<string, List<Activity>> _sent = new(StringComparer.Ordinal);

        public IReadOnlyList<Activity> Sent(string conversationId)
        {
            var list = _sent.GetOrAdd(conversationId, _ => []);
            lock (list)
            {
                return [.. list];
            }
        }

        public override Task<ResourceResponse[]> SendActivitiesAsync(ITurnContext turnContext, Activity[] activities, CancellationToken cancellationToken)
        {
            var list = _sent.GetOrAdd(activities[0].Conversation.Id, _ => []);
            lock (list)
            {
                list.AddRange(activities);
            }

            return Task.FromResult(activities.Select(_ => new ResourceResponse(Guid.NewGuid().ToString("N"))).ToArray());
        }
    }
}
