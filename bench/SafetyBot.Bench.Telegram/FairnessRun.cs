using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SafetyBot.Telegram.Emulator;

namespace SafetyBot.Bench.Telegram;

/// <summary>
/// Fairness under Telegram's limits: N new users write at once while the emulator answers 429 beyond 1 message a
/// second per chat and 30 overall, and the host paces itself with its defaults. A few of them write a crisis
/// message. The run measures, for each user, the time from their post to their first reply, and checks that
/// each person in crisis gets the crisis response first. It observes only what reaches the emulator.
/// </summary>
internal static class FairnessRun
{
    private const int PerChatPerSecond = 1;
    private const int GlobalPerSecond = 30;
    private const double CrisisTargetMs = 2_000;

    // Every language below falls back to a country whose emergency number is 112 (localization/helplines.json).
    private const string EmergencyNumber = "112";

    // Settled: every user has a reply, the host has taken every update, and no message arrived for this long.
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ScanInterval = TimeSpan.FromMilliseconds(200);

    // An ordinary first message, and a crisis message that `SafetyBot.Host analyze --locale xx` flags as "crisis": true.
    private static readonly Language[] Languages =
    [
        new("en", "hi", "i don't want to live anymore"),
        new("uk", "привіт", "я не хочу більше жити"),
        new("es", "hola", "ya no quiero vivir"),
        new("de", "hallo", "ich will nicht mehr leben"),
        new("fr", "salut", "je n'ai plus envie de vivre"),
        new("it", "ciao", "non voglio più vivere"),
        new("pl", "cześć", "nie chce mi sie juz zyc"),
        new("pt", "olá", "não quero mais viver"),
        new("ro", "salut", "nu mai vreau sa fiu aici. nu mai pot"),
        new("ru", "привет", "я не хочу больше жить"),
        new("tr", "merhaba", "artık yaşamak istemiyorum"),
        new("ar", "مرحبا", "لا أريد أن أعيش بعد الآن"),
    ];

    public static string Describe(Options options)
    {
        var every = options.Crisis > 0 ? options.Users / (double)options.Crisis : 0;
        return $"load: {options.Users} new users write at once (one burst, no /start first), {options.Crisis} of them a crisis message "
            + $"(about every {every:F0}th in posting order), the rest a greeting; {Languages.Length} languages ({string.Join(' ', Languages.Select(l => l.Code))}); "
            + $"emulator enforces {PerChatPerSecond}/s per chat and {GlobalPerSecond}/s overall (429 with retry_after beyond), RecordCalls=true; "
            + $"host with its default pacing, getUpdates timeout 1 s; warm-up: {options.WarmUp} chats before the burst";
    }

    public static async Task<int> RunAsync(string hostDll, string workspace, Options options, CancellationToken cancellationToken)
    {
        // Recording every call costs little at this size (a few thousand calls) and lets the run count the 429s.
        await using var emulator = await TelegramBotApiEmulator.StartAsync("100003:bench-fairness", new TelegramBotApiEmulatorOptions { RecordCalls = true }, cancellationToken);
        emulator.EnforceLimits(PerChatPerSecond, GlobalPerSecond);
        await using var host = await SafetyBotHost.StartAsync(hostDll, workspace, emulator, new Dictionary<string, string>(StringComparer.Ordinal), options.HostEnvironment, cancellationToken);
        Console.WriteLine($"  host pid {host.Process.Id} on {host.Url}, redis on {host.Redis.Configuration}");

        var replies = ReplyTexts.Load(host.Directory);
        await WarmUpAsync(emulator, options.WarmUp, cancellationToken);
        var users = NewUsers(emulator, options.Users, options.Crisis);

        var before = CpuSnapshot.Take(host.Process.Id, host.Redis.Process.Id);

        var clock = emulator.Clock;
        var first = clock.GetUtcNow();
        foreach (var user in users)
        {
            user.Posted = clock.GetUtcNow();
            emulator.PostText(user.Chat, user.Crisis ? user.Language.Crisis : user.Language.Greeting);
        }

        Console.WriteLine($"  posted {users.Length} updates in {(clock.GetUtcNow() - first).TotalSeconds:F2} s; waiting for every user's replies…");
        var watch = await WatchAsync(emulator, users, first, options.StallTimeout, cancellationToken);

        var cpu = CpuSplit.Between(before, CpuSnapshot.Take(host.Process.Id, host.Redis.Process.Id));
        var hostPeakRss = ProcStats.Memory(host.Process.Id)?.PeakRssKb ?? -1;
        var benchPeakRss = ProcStats.Memory(Environment.ProcessId)?.PeakRssKb ?? -1;
        host.ReportProblems();
        if (emulator.UnexpectedErrors.Count > 0)
        {
            Console.WriteLine($"  emulator errors: {emulator.UnexpectedErrors.Count}");
        }

        Console.WriteLine();
        var crisis = users.Where(u => u.Crisis).ToArray();
        var ordinary = users.Where(u => !u.Crisis).ToArray();
        Console.WriteLine("first reply: from the user's post to the date the emulator stamped on the first message the bot sent them");
        Console.WriteLine("| users | n | answered | p50 ms | p90 ms | p99 ms | max ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        var crisisLatencies = FirstReplyRow("in crisis", crisis);
        FirstReplyRow("everyone else", ordinary);
        FirstReplyRow("all", users);
        Console.WriteLine();

        var crisisFirst = crisis.Count(u => u.First is { } m && replies.IsCrisisResponse(u.Language.Code, m.Text, EmergencyNumber));
        var crisisLater = crisis.Count(u => u.First is { } m && !replies.IsCrisisResponse(u.Language.Code, m.Text, EmergencyNumber)
            && emulator.MessagesTo(u.Chat).Any(later => replies.IsCrisisResponse(u.Language.Code, later.Text, EmergencyNumber)));
        var welcomed = ordinary.Count(u => u.First is { } m && replies.IsWelcome(u.Language.Code, m.Text));
        Console.WriteLine($"crisis users whose first reply is the crisis response (crisis.* text of their language, with {EmergencyNumber}): {crisisFirst}/{crisis.Length}"
            + (crisisLater > 0 ? $"; {crisisLater} more got it only after another message" : string.Empty) + Others(crisis, replies, "crisis."));
        Console.WriteLine($"other users whose first reply is the welcome of their language: {welcomed}/{ordinary.Length}" + Others(ordinary, replies, "welcome.greeting"));
        Console.WriteLine("median first reply by place in the posting order (tenths of the burst), s: "
            + string.Join(" ", users.Chunk(Math.Max(1, (users.Length + 9) / 10)).Select(tenth =>
                Ms(tenth.Where(u => u.First is not null).Select(u => (u.First!.Date - u.Posted).TotalSeconds).Order().ToArray(), 50, "F0"))));
        Console.WriteLine($"replies per user: in crisis {Histogram(crisis)}; everyone else {Histogram(ordinary)}");
        var lastFirst = users.Where(u => u.First is not null).Select(u => u.First!.Date).DefaultIfEmpty(first).Max();
        var lastReply = users.Where(u => u.Last is not null).Select(u => u.Last!.Value).DefaultIfEmpty(first).Max();
        Console.WriteLine($"{users.Count(u => u.First is not null)}/{users.Length} users had a first reply, the last of them {(lastFirst - first).TotalSeconds:F1} s after the first post; the last reply of all came at {(lastReply - first).TotalSeconds:F1} s"
            + (watch.Settled ? string.Empty : " (the run stopped before it settled)"));
        if (options.Csv is { } csv)
        {
            WriteCsv(csv, users, first, replies);
            Console.WriteLine($"per-user times written to {csv}");
        }

        Console.WriteLine();

        PrintSends(emulator, users);
        Console.WriteLine($"host: CPU {cpu.ServerCores * cpu.Seconds:F1} s over {cpu.Seconds:F1} s wall ({cpu.ServerCores:F2} cores), peak RSS (VmHWM) {hostPeakRss / 1024.0:F0} MB");
        Console.WriteLine($"bench process (emulator + driver): CPU {cpu.DriverCores * cpu.Seconds:F1} s ({cpu.DriverCores:F2} cores), of which the watcher's {watch.Scans} scans {watch.ScanSeconds:F2} s; peak RSS {benchPeakRss / 1024.0:F0} MB");
        Console.WriteLine($"machine CPU busy during the run: {cpu.MachineCores / Environment.ProcessorCount:P0} of {Environment.ProcessorCount} cores");
        Console.WriteLine();

        var p99 = Percentiles.Of(crisisLatencies, 99);
        var met = crisis.Length > 0 && crisis.All(u => u.First is not null) && crisisFirst == crisis.Length && p99 <= CrisisTargetMs;
        Console.WriteLine(crisis.Length == 0
            ? "target crisis first reply p99 <= 2 s: not measured (no crisis users)"
            : $"target crisis first reply p99 <= 2 s: {(met ? "PASS" : "MISSED")} (p99 {p99:F0} ms; crisis response first in {crisisFirst}/{crisis.Length})");
        return 0;
    }

    private static User[] NewUsers(TelegramBotApiEmulator emulator, int count, int crisisCount)
    {
        // Crisis users sit at evenly spaced positions in the posting order (the middle of each stretch), never all first or last.
        var crisisAt = new HashSet<int>();
        for (var k = 0; k < crisisCount; k++)
        {
            crisisAt.Add((int)((k + 0.5) * count / crisisCount));
        }

        var users = new User[count];
        int crisisSoFar = 0, ordinarySoFar = 0;
        for (var i = 0; i < count; i++)
        {
            var crisis = crisisAt.Contains(i);
            var language = Languages[(crisis ? crisisSoFar++ : ordinarySoFar++) % Languages.Length];
            var chat = emulator.NewChat("User" + i.ToString(CultureInfo.InvariantCulture), language.Code);
            users[i] = new User(chat, language, crisis);
        }

        return users;
    }

    /// <summary>
    /// A host that has been running a while: a few chats (not counted) greet and write in crisis before the burst, and
    /// the run starts once every reply to them has gone out. 0: measure a host that has just started.
    /// </summary>
    private static async Task WarmUpAsync(TelegramBotApiEmulator emulator, int chats, CancellationToken cancellationToken)
    {
        if (chats == 0)
        {
            Console.WriteLine("  no warm-up: the burst meets a host that has just started");
            return;
        }

        var watch = Stopwatch.StartNew();
        var warm = new List<long>();
        for (var i = 0; i < chats; i++)
        {
            var language = Languages[i % Languages.Length];
            var chat = emulator.NewChat("Warm" + i.ToString(CultureInfo.InvariantCulture), language.Code);
            warm.Add(chat);
            emulator.PostText(chat, i % 4 == 0 ? language.Crisis : language.Greeting);
        }

        // Done when every warm-up chat has a reply and nothing more has reached them for two seconds.
        var (count, quietSince) = (-1, Stopwatch.StartNew());
        while (watch.Elapsed < TimeSpan.FromMinutes(2))
        {
            var now = warm.Sum(c => emulator.MessagesTo(c).Count);
            if (now != count)
            {
                (count, quietSince) = (now, Stopwatch.StartNew());
            }
            else if (quietSince.Elapsed > TimeSpan.FromSeconds(2) && warm.All(c => emulator.MessagesTo(c).Count > 0))
            {
                Console.WriteLine($"  warm-up: {chats} chats (not counted), {count} replies, done in {watch.Elapsed.TotalSeconds:F1} s");
                return;
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new BenchException("the warm-up chats were not answered within 2 minutes.");
    }

    private static async Task<WatchResult> WatchAsync(TelegramBotApiEmulator emulator, User[] users, DateTimeOffset first, TimeSpan stallTimeout, CancellationToken cancellationToken)
    {
        var scans = 0;
        var scanTime = TimeSpan.Zero;
        var total = 0;
        var lastChange = DateTime.UtcNow;
        var lastReport = DateTime.UtcNow;
        var allAnsweredReported = false;
        while (true)
        {
            await Task.Delay(ScanInterval, cancellationToken);
            var scan = Stopwatch.StartNew();
            var now = 0;
            var waiting = 0;
            var crisisWaiting = 0;
            foreach (var user in users)
            {
                var messages = emulator.MessagesTo(user.Chat);
                now += messages.Count;
                if (messages.Count == 0)
                {
                    waiting++;
                    crisisWaiting += user.Crisis ? 1 : 0;
                    continue;
                }

                user.First ??= messages[0];
                user.Replies = messages.Count;
                user.Last = messages[^1].Date;
            }

            scans++;
            scanTime += scan.Elapsed;
            var wallNow = DateTime.UtcNow;
            if (now != total)
            {
                total = now;
                lastChange = wallNow;
            }

            if (waiting == 0 && !allAnsweredReported)
            {
                var lastFirst = users.Max(u => u.First!.Date);
                Console.WriteLine($"  every user has a first reply ({(lastFirst - first).TotalSeconds:F1} s after the first post); waiting for the rest of their replies…");
                allAnsweredReported = true;
            }

            if (waiting == 0 && emulator.PendingUpdateCount == 0 && wallNow - lastChange >= Quiet)
            {
                return new WatchResult(true, scans, scanTime.TotalSeconds);
            }

            if (wallNow - lastChange > stallTimeout)
            {
                Console.WriteLine($"  no new message for {stallTimeout.TotalSeconds:F0} s; {waiting} users without a reply ({crisisWaiting} in crisis), {emulator.PendingUpdateCount} updates not taken by the host");
                return new WatchResult(false, scans, scanTime.TotalSeconds);
            }

            if (wallNow - lastReport > TimeSpan.FromSeconds(10))
            {
                var limited = emulator.CallsTo("sendMessage").Count(c => c.StatusCode == 429 && c.Time >= first);
                Console.WriteLine($"  … {(emulator.Clock.GetUtcNow() - first).TotalSeconds:F0} s: {total} messages sent, {waiting} users without a reply ({crisisWaiting} in crisis), {limited} sends answered 429");
                lastReport = wallNow;
            }
        }
    }

    private static double[] FirstReplyRow(string label, User[] users)
    {
        var latencies = users.Where(u => u.First is not null).Select(u => (u.First!.Date - u.Posted).TotalMilliseconds).Order().ToArray();
        Console.WriteLine($"| {label} | {users.Length} | {latencies.Length} | {Ms(latencies, 50)} | {Ms(latencies, 90)} | {Ms(latencies, 99)} | {Ms(latencies, 100)} |");
        return latencies;
    }

    private static string Ms(double[] sorted, double p, string format = "F0") =>
        sorted.Length == 0 ? "-" : Percentiles.Of(sorted, p).ToString(format, CultureInfo.InvariantCulture);

    // What the first replies that were not the expected one were, by the key of the text they open with.
    private static string Others(User[] users, ReplyTexts replies, string expectedKey)
    {
        var others = users
            .Where(u => u.First is not null)
            .Select(u => replies.KeyOf(u.Language.Code, u.First!.Text) ?? "unrecognised")
            .Where(key => !key.StartsWith(expectedKey, StringComparison.Ordinal))
            .GroupBy(key => key, StringComparer.Ordinal)
            .Select(g => $"{g.Count()} x {g.Key}")
            .ToArray();
        return others.Length == 0 ? string.Empty : " (the others: " + string.Join(", ", others) + ")";
    }

    private static void WriteCsv(string path, User[] users, DateTimeOffset first, ReplyTexts replies)
    {
        using var writer = new StreamWriter(path);
        writer.WriteLine("position,language,crisis,posted_ms,first_reply_ms,first_reply_key,replies,last_reply_ms");
        for (var i = 0; i < users.Length; i++)
        {
            var u = users[i];
            writer.WriteLine(string.Join(',',
                i.ToString(CultureInfo.InvariantCulture),
                u.Language.Code,
                u.Crisis ? "1" : "0",
                (u.Posted - first).TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture),
                u.First is null ? string.Empty : (u.First.Date - u.Posted).TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture),
                u.First is null ? string.Empty : replies.KeyOf(u.Language.Code, u.First.Text) ?? "unrecognised",
                u.Replies.ToString(CultureInfo.InvariantCulture),
                u.Last is null ? string.Empty : (u.Last.Value - u.Posted).TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture)));
        }
    }

    private static string Histogram(User[] users) =>
        users.Length == 0
            ? "-"
            : string.Join(", ", users.GroupBy(u => u.Replies).OrderBy(g => g.Key).Select(g => $"{g.Count()} x {g.Key}"));

    private static void PrintSends(TelegramBotApiEmulator emulator, User[] users)
    {
        var first = users.Min(u => u.Posted); // calls before the burst belong to the warm-up
        var crisisChats = users.Where(u => u.Crisis).Select(u => u.Chat).ToHashSet();
        var sends = emulator.CallsTo("sendMessage").Where(c => c.Time >= first).ToList();
        var delivered = sends.Where(c => c.Succeeded).Select(c => c.Time).Order().ToArray();
        var limited = sends.Where(c => c.StatusCode == 429).ToArray();
        var limitedCrisis = limited.Count(c => crisisChats.Contains(ChatOf(c)));
        var other = sends.Count - delivered.Length - limited.Length;
        var span = delivered.Length > 1 ? (delivered[^1] - delivered[0]).TotalSeconds : 0;
        var peak = 0;
        for (int from = 0, to = 0; to < delivered.Length; to++)
        {
            while (delivered[to] - delivered[from] >= TimeSpan.FromSeconds(1))
            {
                from++;
            }

            peak = Math.Max(peak, to - from + 1);
        }

        // Which limit each 429 hit, judged from the delivered sends in the second before it (emulator clock).
        var deliveredTo = sends.Where(c => c.Succeeded).Select(c => (c.Time, Chat: ChatOf(c))).ToArray();
        int perChat = 0, global = 0;
        foreach (var call in limited)
        {
            var chat = ChatOf(call);
            var window = deliveredTo.Where(d => d.Time <= call.Time && call.Time - d.Time < TimeSpan.FromSeconds(1)).ToArray();
            perChat += window.Any(d => d.Chat == chat) ? 1 : 0;
            global += window.Length >= GlobalPerSecond ? 1 : 0;
        }

        Console.WriteLine($"sendMessage: {delivered.Length} delivered, {limited.Length} answered 429 ({limitedCrisis} of them in crisis chats; {perChat} with a message to the same chat less than 1 s before, {global} with {GlobalPerSecond} delivered in the second before), {other} other failures");
        Console.WriteLine($"send rate: {(span > 0 ? delivered.Length / span : 0):F1} messages/s from the first delivery to the last ({span:F1} s); at most {peak} in any 1 s (Telegram allows {GlobalPerSecond})");
        var calls = emulator.Calls.Where(c => c.Time >= first).GroupBy(c => c.Method).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}");
        Console.WriteLine($"all calls the host made: {string.Join(", ", calls)}");
    }

    private static long ChatOf(RecordedCall call) =>
        call.Parameters["chat_id"] is { } id && long.TryParse(id.ToString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var chat) ? chat : 0;

    private sealed record Language(string Code, string Greeting, string Crisis);

    private sealed record WatchResult(bool Settled, int Scans, double ScanSeconds);

    private sealed class User(long chat, Language language, bool crisis)
    {
        public long Chat { get; } = chat;

        public Language Language { get; } = language;

        public bool Crisis { get; } = crisis;

        public DateTimeOffset Posted { get; set; }

        public BotMessage? First { get; set; }

        public int Replies { get; set; }

        public DateTimeOffset? Last { get; set; }
    }

    /// <summary>
    /// The words the host sends, read from its own publish folder (localization/&lt;language&gt;.json), so a reply is
    /// recognised by its text: the crisis response opens with a crisis.* text, the welcome with welcome.greeting.
    /// </summary>
    private sealed class ReplyTexts
    {
        private static readonly string[] CrisisKeys = ["crisis.self_harm", "crisis.danger"];
        private readonly Dictionary<string, Dictionary<string, string>> _texts;

        private ReplyTexts(Dictionary<string, Dictionary<string, string>> texts) => _texts = texts;

        public static ReplyTexts Load(string hostDirectory)
        {
            var texts = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
            foreach (var language in Languages)
            {
                var file = Path.Combine(hostDirectory, "localization", language.Code + ".json");
                if (!File.Exists(file))
                {
                    throw new BenchException($"{file} is missing: the host's words are needed to recognise its replies.");
                }

                using var document = JsonDocument.Parse(File.ReadAllBytes(file));
                texts[language.Code] = document.RootElement.EnumerateObject()
                    .Where(p => p.Value.ValueKind == JsonValueKind.String)
                    .ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
                foreach (var key in CrisisKeys.Append("welcome.greeting"))
                {
                    if (!texts[language.Code].ContainsKey(key))
                    {
                        throw new BenchException($"{file} has no '{key}'.");
                    }
                }
            }

            return new ReplyTexts(texts);
        }

        /// <summary>The text opens with crisis.self_harm or crisis.danger, up to and including the emergency number.</summary>
        public bool IsCrisisResponse(string language, string text, string emergency) =>
            CrisisKeys.Any(key =>
            {
                var template = _texts[language][key];
                var at = template.IndexOf("{emergency}", StringComparison.Ordinal);
                var opening = at < 0 ? template : template[..at] + emergency;
                return text.StartsWith(opening, StringComparison.Ordinal);
            });

        /// <summary>The key whose text (up to its first placeholder) the message opens with, the longest such; null if none.</summary>
        public string? KeyOf(string language, string text) =>
            _texts[language]
                .Select(entry => (entry.Key, Opening: Opening(entry.Value)))
                .Where(entry => entry.Opening.Length >= 8 && text.StartsWith(entry.Opening, StringComparison.Ordinal))
                .OrderByDescending(entry => entry.Opening.Length)
                .Select(entry => entry.Key)
                .FirstOrDefault();

        private static string Opening(string template)
        {
            var placeholder = template.IndexOf('{', StringComparison.Ordinal);
            return placeholder < 0 ? template : template[..placeholder];
        }

        public bool IsWelcome(string language, string text)
        {
            var greeting = _texts[language]["welcome.greeting"];
            var placeholder = greeting.IndexOf('{', StringComparison.Ordinal);
            return text.StartsWith(placeholder < 0 ? greeting : greeting[..placeholder], StringComparison.Ordinal);
        }
    }
}
