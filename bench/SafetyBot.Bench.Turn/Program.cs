using System.Diagnostics;
using System.Globalization;
using Microsoft.Bot.Builder;
using Microsoft.Bot.Schema;
using Activity = Microsoft.Bot.Schema.Activity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SafetyBot.Channels.Telegram;
using SafetyBot.Core.Analysis;
using SafetyBot.Core;
using SafetyBot.Core.Bot;
using SafetyBot.Redis;
using Telegram.Bot;
using Telegram.Bot.Types;

namespace SafetyBot.Bench.Turn;

/// <summary>
/// What one Telegram turn costs in CPU: the update is mapped to an activity, runs through the pipeline, and its
/// replies go out through Telegram.Bot into a Bot API handler in the same process. Measured in the same run:
/// Bot Builder's own pipeline with an echo bot and no state (the baseline), SafetyBot's turn with in-process
/// storage, transcript, turn lease and outbox (the turn before any round trip), and the same turn with those in a
/// redis-server of its own (what the round trips add, on both sides).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var workspace = Directory.CreateTempSubdirectory("safetybot-bench-turn-").FullName;
        try
        {
            return await RunAsync(args, workspace);
        }
        finally
        {
            try
            {
                Directory.Delete(workspace, recursive: true);
            }
            catch (IOException)
            {
                // a temporary folder: the system clears it in time
            }
        }
    }

    private static async Task<int> RunAsync(string[] args, string workspace)
    {
        var turns = Option(args, "--turns", 20_000);
        var chats = Option(args, "--chats", 2_000);
        var concurrency = Option(args, "--concurrency", 32);
        var rounds = Option(args, "--rounds", 3);
        var root = BotContent.LocateRoot(null);
        var content = BotContent.Load(root);
        var analyzer = SafetyAnalyzer.Load(SafetyAnalyzer.LocateFolder(root));
        var configuration = new ConfigurationBuilder().Build();
        await using var redis = await RedisServer.StartAsync(workspace, CancellationToken.None);
        var redisConfiguration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Redis:Configuration"] = redis.Configuration,
        }).Build();

        Console.WriteLine($"SafetyBot.Bench.Turn  {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}");
        Console.WriteLine($"load: {chats} chats, /start each (not counted), then rounds of {turns} \"helplines\" updates round-robin over the chats, {concurrency} at a time");
        Console.WriteLine();

        await using var echoStage = TelegramRehearsal.BuildStage(configuration, content, analyzer, new TelegramOptions());
        var echo = new EchoAdapter(echoStage.GetRequiredService<ITelegramBotClient>());
        await using var stage = TelegramRehearsal.BuildStage(configuration, content, analyzer, new TelegramOptions());
        var adapter = stage.GetRequiredService<TelegramAdapter>();
        var outbox = stage.GetRequiredService<TelegramOutbox>();
        var sender = stage.GetRequiredService<TelegramSender>();
        await using var redisStage = TelegramRehearsal.BuildStage(redisConfiguration, content, analyzer, new TelegramOptions(),
            services => new SafetyBotBuilder(services).AddSafetyBotRedis());
        var redisAdapter = redisStage.GetRequiredService<TelegramAdapter>();
        var redisOutbox = redisStage.GetRequiredService<TelegramOutbox>();
        var redisSender = redisStage.GetRequiredService<TelegramSender>();

        var modes = new (string Name, Func<Update, Task> Turn, Func<Task> Drain)[]
        {
            ("Bot Builder pipeline, echo bot, no state", echo.ProcessAsync, () => Task.CompletedTask),
            ("SafetyBot Telegram turn, in-process stores", u => adapter.ProcessUpdateAsync(u, CancellationToken.None), () => DrainAsync(outbox, sender)),
            ("SafetyBot Telegram turn, Redis stores", u => redisAdapter.ProcessUpdateAsync(u, CancellationToken.None), () => DrainAsync(redisOutbox, redisSender)),
        };

        var results = new Dictionary<string, List<Sample>>();
        foreach (var (name, turn, drain) in modes)
        {
            var updates = new Updates();
            await RunAsync(Enumerable.Range(1, chats).Select(c => updates.Text(c, "/start")), turn, concurrency);
            await drain();
            results[name] = [];
            for (var round = 0; round < rounds; round++)
            {
                var batch = Enumerable.Range(0, turns).Select(i => updates.Text(1 + (i % chats), "helplines")).ToList();
                var sample = await MeasureAsync(batch, turn, drain, concurrency, redis.Process.Id);
                results[name].Add(sample);
                Console.WriteLine($"  {name}, round {round + 1}: {sample}");
            }
        }

        Console.WriteLine();
        Console.WriteLine("| mode | CPU µs per turn (best round) | redis-server µs per turn | wall µs per turn | allocated per turn |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var (name, samples) in results)
        {
            var best = samples.MinBy(s => s.CpuMicroseconds)!;
            Console.WriteLine($"| {name} | {best.CpuMicroseconds:F0} | {best.RedisMicroseconds:F0} | {best.WallMicroseconds:F0} | {best.Allocated} |");
        }

        var baseline = results[modes[0].Name].Min(s => s.CpuMicroseconds);
        var safetyBot = results[modes[1].Name].Min(s => s.CpuMicroseconds);
        var withRedis = results[modes[2].Name].Min(s => s.CpuMicroseconds);
        Console.WriteLine();
        Console.WriteLine($"SafetyBot turn / echo turn: {safetyBot / baseline:F1}x the CPU; with Redis stores: {withRedis / baseline:F1}x in this process, plus redis-server");
        return 0;
    }

    private sealed record Sample(double CpuMicroseconds, double RedisMicroseconds, double WallMicroseconds, double AllocatedBytes, int Gen0, int Gen2)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{CpuMicroseconds:F0} µs CPU (+ redis-server {RedisMicroseconds:F0} µs), {WallMicroseconds:F0} µs wall, {Allocated} allocated per turn; GCs gen0 {Gen0}, gen2 {Gen2}");

        // GC.GetTotalAllocatedBytes can go backwards when thread-pool threads come and go (seen with Redis I/O).
        public string Allocated => AllocatedBytes >= 0 ? (AllocatedBytes / 1024.0).ToString("F1", CultureInfo.InvariantCulture) + " KB" : "n/a";
    }

    private static async Task<Sample> MeasureAsync(List<Update> batch, Func<Update, Task> turn, Func<Task> drain, int concurrency, int redisPid)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        var redisCpu = ProcStats.CpuTime(redisPid);
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var (gen0, gen2) = (GC.CollectionCount(0), GC.CollectionCount(2));
        var wall = Stopwatch.StartNew();
        await RunAsync(batch, turn, concurrency);
        await drain();
        wall.Stop();
        self.Refresh();
        var n = (double)batch.Count;
        return new Sample((self.TotalProcessorTime - cpu).TotalMicroseconds / n, (ProcStats.CpuTime(redisPid) - redisCpu).TotalMicroseconds / n, wall.Elapsed.TotalMicroseconds / n,
            (GC.GetTotalAllocatedBytes(precise: true) - allocated) / n, GC.CollectionCount(0) - gen0, GC.CollectionCount(2) - gen2);
    }

    // Waves of distinct chats, as a polled batch runs them: each chat's turns stay in order.
    private static async Task RunAsync(IEnumerable<Update> updates, Func<Update, Task> turn, int concurrency)
    {
        var wave = new List<Task>(concurrency);
        foreach (var update in updates)
        {
            wave.Add(turn(update));
            if (wave.Count == concurrency)
            {
                await Task.WhenAll(wave);
                wave.Clear();
            }
        }

        await Task.WhenAll(wave);
    }

    // The replies go out as the sender sends them: opened, and through Telegram.Bot into the in-process Bot API.
    private static async Task DrainAsync(TelegramOutbox outbox, TelegramSender sender)
    {
        while ((await outbox.Postbox.TakeAsync()).Lease is { } lease)
        {
            await sender.SendAsync(lease, CancellationToken.None);
        }
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private sealed class Updates
    {
        private int _id;

        public Update Text(long chat, string text) => TelegramRehearsal.MadeUpText(Interlocked.Increment(ref _id), chat, "en", text);
    }

    /// <summary>Bot Builder's pipeline with nothing in it but an echo bot that answers "ok" through Telegram.Bot.</summary>
    private sealed class EchoAdapter(ITelegramBotClient client) : BotAdapter
    {
        private readonly EchoBot _bot = new();

        public async Task ProcessAsync(Update update)
        {
            var activity = TelegramUpdateMapper.ToActivity(update, "1")!;
            using var turn = new TurnContext(this, activity);
            await RunPipelineAsync(turn, _bot.OnTurnAsync, CancellationToken.None);
        }

        public override async Task<ResourceResponse[]> SendActivitiesAsync(ITurnContext turnContext, Activity[] activities, CancellationToken cancellationToken)
        {
            var responses = new ResourceResponse[activities.Length];
            for (var i = 0; i < activities.Length; i++)
            {
                var sent = await client.SendMessage(long.Parse(turnContext.Activity.Conversation.Id, CultureInfo.InvariantCulture), activities[i].Text, cancellationToken: cancellationToken);
                responses[i] = new ResourceResponse(sent.Id.ToString(CultureInfo.InvariantCulture));
            }

            return responses;
        }

        public override Task<ResourceResponse> UpdateActivityAsync(ITurnContext turnContext, Activity activity, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public override Task DeleteActivityAsync(ITurnContext turnContext, ConversationReference reference, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }

    private sealed class EchoBot : ActivityHandler
    {
        protected override Task OnMessageActivityAsync(ITurnContext<IMessageActivity> turnContext, CancellationToken cancellationToken) =>
            turnContext.SendActivityAsync(MessageFactory.Text("ok"), cancellationToken);
    }
}
