using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Bot.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SafetyBot.Core;
using SafetyBot.Core.Analysis;
using SafetyBot.Core.Bot;
using SafetyBot.Core.Localization;
using SafetyBot.Core.Storage;
using global::Telegram.Bot;
using global::Telegram.Bot.Types;
using global::Telegram.Bot.Types.Enums;

namespace SafetyBot.Channels.Telegram;

/// <summary>
/// Before the first update is taken, runs a few made-up conversations in every language through a private copy of
/// the Telegram turn pipeline: in-process storage, an in-process outbox nobody sends from, and a Bot API client that
/// never leaves the process. The code of a turn is compiled by then, so the first people to write after a start
/// (a crisis among them) are not kept waiting for it. Nothing of the rehearsal reaches Telegram or shared storage,
/// except one made-up key written and deleted again to ready the storage client.
/// </summary>
public sealed partial class TelegramRehearsal(
    IConfiguration configuration,
    BotContent content,
    SafetyAnalyzer analyzer,
    IStorage storage,
    IOptions<TelegramOptions> options,
    ILogger<TelegramRehearsal> logger)
{
    private const long FirstChat = 1_000_000_001;

    /// <summary>What the last rehearsal did (null before one ran).</summary>
    public RehearsalReport? LastReport { get; private set; }

    /// <summary>Runs the rehearsal; a failure is logged and never stops the host.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.RehearseAtStart)
        {
            return;
        }

        var watch = Stopwatch.StartNew();
        var stage = new StageCounts();
        try
        {
            await RehearseTurnsAsync(stage, cancellationToken).ConfigureAwait(false);
            await ReadyStorageAsync(cancellationToken).ConfigureAwait(false);
            LastReport = new RehearsalReport(stage.Turns, stage.CrisisTurns, stage.UrgentReplies, watch.ElapsedMilliseconds, Failed: false);
            LogRehearsed(logger, stage.Turns, watch.ElapsedMilliseconds);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Warming up is a courtesy: the host starts in any case.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LastReport = new RehearsalReport(stage.Turns, stage.CrisisTurns, stage.UrgentReplies, watch.ElapsedMilliseconds, Failed: true);
            LogRehearsalFailed(logger, ex, watch.ElapsedMilliseconds);
        }
    }

    /// <summary>Per language: a greeting, /start, the first button of the answer, and a crisis message from a new chat; then a sticker.</summary>
    private async Task RehearseTurnsAsync(StageCounts counts, CancellationToken cancellationToken)
    {
        await using var stage = BuildStage(configuration, content, analyzer, options.Value);
        var adapter = stage.GetRequiredService<TelegramAdapter>();
        var outbox = stage.GetRequiredService<TelegramOutbox>();
        var polling = stage.GetRequiredService<TelegramPollingService>();
        var sender = stage.GetRequiredService<TelegramSender>();
        var updateId = 0;
        var chat = FirstChat;
        foreach (var language in content.Catalog.Languages)
        {
            var code = language.Code;
            var person = chat++;
            await TurnAsync(MadeUpText(++updateId, person, code, "hi")).ConfigureAwait(false);
            if (await TurnAsync(MadeUpText(++updateId, person, code, "/start")).ConfigureAwait(false) is { } data)
            {
                await TurnAsync(Button(++updateId, person, code, data)).ConfigureAwait(false);
            }

            if (CrisisExample(code) is { } crisis)
            {
                counts.CrisisTurns++;
                await TurnAsync(MadeUpText(++updateId, chat++, code, crisis)).ConfigureAwait(false);
            }
        }

        var media = MadeUpText(++updateId, chat, "en", null);
        media.Message!.Sticker = new Sticker { FileId = "rehearsal", FileUniqueId = "rehearsal", Type = StickerType.Regular };
        await TurnAsync(media).ConfigureAwait(false);

        // Runs one turn and sends what it put in the stage's outbox; returns the data of the last reply's first button.
        async Task<string?> TurnAsync(Update update)
        {
            _ = polling.IsCrisis(update);
            await adapter.ProcessUpdateAsync(update, cancellationToken).ConfigureAwait(false);
            counts.Turns++;
            string? data = null;
            while (await outbox.Postbox.TakeAsync(cancellationToken).ConfigureAwait(false) is { Lease: { } lease })
            {
                counts.UrgentReplies += lease.Item.Urgent ? 1 : 0;
                data = outbox.Open(lease.Item).Buttons is { Count: > 0 } buttons ? buttons[0].Data : data;
                await sender.SendAsync(lease, cancellationToken).ConfigureAwait(false);
            }

            return data;
        }
    }

    private string? CrisisExample(string language) =>
        analyzer.Lexicons.FirstOrDefault(l => l.Code == language)?.Rules
            .Where(r => r.Category.StartsWith("crisis_", StringComparison.Ordinal))
            .SelectMany(r => r.Examples)
            .FirstOrDefault(e => analyzer.Analyze(e, language, MessageRole.User).Crisis);

    /// <summary>
    /// A private copy of what a Telegram turn uses (its adapter, outbox, sender and polling service). Content and the
    /// analyzer are the caller's (read-only); everything that keeps or sends something is in-process and is dropped with
    /// the stage, and its Bot API answers inside the process. The start-up rehearsal uses it, and so does
    /// <c>bench/SafetyBot.Bench.Turn</c> to measure a turn's own cost (which may swap the stores with
    /// <paramref name="configure"/>, run after everything else is registered).
    /// </summary>
    public static ServiceProvider BuildStage(IConfiguration configuration, BotContent content, SafetyAnalyzer analyzer, TelegramOptions options,
        Action<IServiceCollection>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(analyzer);
        ArgumentNullException.ThrowIfNull(options);
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddSingleton(content);
        services.AddSingleton(analyzer);
        services.AddSafetyBotCore();
        services.AddSingleton(Options.Create(new TelegramOptions
        {
            BotToken = "1:rehearsal",
            PaceMessages = false,
            MaxConcurrentSends = options.MaxConcurrentSends,
            SendLeaseSeconds = options.SendLeaseSeconds,
        }));
        services.AddSingleton<ITelegramBotClient>(new TelegramBotClient(
            new TelegramBotClientOptions("1:rehearsal", "http://rehearsal.invalid") { RetryCount = 0 },
            new HttpClient(new StageBotApi(), disposeHandler: true)));
        services.AddSingleton<TelegramOutbox>();
        services.AddSingleton<TelegramAdapter>();
        services.AddSingleton<TelegramPollingService>();
        services.AddSingleton<TelegramSender>();
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }

    // The storage client's first write compiles its script parameters; a made-up key is written and deleted again.
    private async Task ReadyStorageAsync(CancellationToken cancellationToken)
    {
        var key = "rehearsal/" + Guid.NewGuid().ToString("N");
        await storage.ReadAsync([key], cancellationToken).ConfigureAwait(false);
        await storage.WriteAsync(new Dictionary<string, object> { [key] = new Dictionary<string, object> { ["rehearsal"] = true } }, cancellationToken).ConfigureAwait(false);
        await storage.DeleteAsync([key], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A made-up private-chat text message (no text: add the media yourself), as Telegram would deliver it.</summary>
    public static Update MadeUpText(int id, long chat, string language, string? text) => new()
    {
        Id = id,
        Message = new Message
        {
            Id = id,
            Date = DateTime.UtcNow,
            Chat = new Chat { Id = chat, Type = ChatType.Private },
            From = new User { Id = chat, FirstName = "Rehearsal", LanguageCode = language },
            Text = text,
        },
    };

    private static Update Button(int id, long chat, string language, string data) => new()
    {
        Id = id,
        CallbackQuery = new CallbackQuery
        {
            Id = "rehearsal-" + id,
            From = new User { Id = chat, FirstName = "Rehearsal", LanguageCode = language },
            Message = new Message { Id = id, Date = DateTime.UtcNow, Chat = new Chat { Id = chat, Type = ChatType.Private } },
            ChatInstance = "rehearsal",
            Data = data,
        },
    };

    /// <summary>The stage's Bot API: every call succeeds at once, inside the process.</summary>
    private sealed class StageBotApi : HttpMessageHandler
    {
        private int _messageId;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var result = request.RequestUri?.AbsolutePath.EndsWith("/sendMessage", StringComparison.Ordinal) == true
                ? "{\"message_id\":" + Interlocked.Increment(ref _messageId).ToString(CultureInfo.InvariantCulture) + ",\"date\":0,\"chat\":{\"id\":1,\"type\":\"private\"}}"
                : "true";
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent("""{"ok":true,"result":""" + result + "}", Encoding.UTF8, "application/json"),
            });
        }
    }

    private sealed class StageCounts
    {
        public int Turns { get; set; }

        public int CrisisTurns { get; set; }

        public int UrgentReplies { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rehearsed {Turns} Telegram turns in {ElapsedMs} ms before taking updates")]
    private static partial void LogRehearsed(ILogger logger, int turns, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The start-up rehearsal of Telegram turns failed after {ElapsedMs} ms; the host starts anyway")]
    private static partial void LogRehearsalFailed(ILogger logger, Exception exception, long elapsedMs);
}

/// <summary>What a start-up rehearsal did: turns run, crisis messages among them, urgent replies they produced.</summary>
public sealed record RehearsalReport(int Turns, int CrisisTurns, int UrgentReplies, long ElapsedMs, bool Failed);
