using SafetyBot.Telegram.Emulator;

namespace SafetyBot.Bench.Telegram;

/// <summary>The outcome of one measured phase.</summary>
internal sealed record PhaseResult(string Mode, int Updates, int Replies, double Seconds, double[] LatenciesMs, int WrongReplies, int MissingReplies, int ExtraReplies)
{
    public double UpdatesPerSecond => Seconds > 0 ? Replies / Seconds : 0;

    /// <summary>Where the CPU went during the phase (filled in by the caller).</summary>
    public CpuSplit? Cpu { get; init; }

    public double Percentile(double p) => Percentiles.Of(LatenciesMs, p);

    public int Errors => WrongReplies + MissingReplies + ExtraReplies;
}

/// <summary>Nearest-rank percentiles.</summary>
internal static class Percentiles
{
    /// <summary>The <paramref name="p"/>th percentile (0–100) of values sorted ascending; NaN when there are none.</summary>
    public static double Of(double[] sorted, double p)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }
}

/// <summary>
/// Posts updates as simulated users and matches the bot's replies to them. The emulator stamps every bot message
/// with its own clock when sendMessage is answered (<see cref="BotMessage.Date"/>, full precision), so latency is
/// exact: post time on the same clock → that stamp. Reply k of a chat (after the warm-up messages) answers update k
/// of that chat. The watcher only decides when the phase is over; it does not affect the numbers.
/// </summary>
internal static class Measurement
{
    /// <summary>Posts <paramref name="command"/> once to each chat and waits until each chat holds <paramref name="expectedBotMessages"/> bot messages.</summary>
    public static async Task WarmUpAsync(TelegramBotApiEmulator emulator, long[] chats, string command, int expectedBotMessages, TimeSpan timeout, CancellationToken cancellationToken)
    {
        foreach (var chat in chats)
        {
            emulator.PostCommand(chat, command);
        }

        var missing = await WaitForAsync(emulator, chats, expectedBotMessages, timeout, cancellationToken);
        if (missing > 0)
        {
            throw new BenchException($"Warm-up: {missing} bot messages for '{command}' never arrived (expected {expectedBotMessages} per chat in {chats.Length} chats).");
        }
    }

    /// <summary>
    /// Posts <paramref name="perChat"/> texts to every chat, round-robin over the chats (so one getUpdates batch spans
    /// many chats), as fast as the emulator takes them, then waits for the replies.
    /// </summary>
    public static async Task<PhaseResult> RunAsync(
        string mode,
        TelegramBotApiEmulator emulator,
        long[] chats,
        int perChat,
        string text,
        int warmUpBotMessages,
        Func<BotMessage, bool> isRightReply,
        TimeSpan stallTimeout,
        CancellationToken cancellationToken)
    {
        var posted = new DateTimeOffset[chats.Length][];
        for (var c = 0; c < chats.Length; c++)
        {
            posted[c] = new DateTimeOffset[perChat];
        }

        var clock = emulator.Clock;
        var first = clock.GetUtcNow();
        for (var k = 0; k < perChat; k++)
        {
            for (var c = 0; c < chats.Length; c++)
            {
                posted[c][k] = clock.GetUtcNow();
                emulator.PostText(chats[c], text);
            }
        }

        var postSeconds = (clock.GetUtcNow() - first).TotalSeconds;
        Console.WriteLine($"  posted {chats.Length * perChat} updates in {postSeconds:F2} s; waiting for the replies…");
        await WaitForAsync(emulator, chats, warmUpBotMessages + perChat, stallTimeout, cancellationToken);

        var latencies = new List<double>(chats.Length * perChat);
        int wrong = 0, missing = 0, extra = 0, replies = 0;
        var last = first;
        for (var c = 0; c < chats.Length; c++)
        {
            var messages = emulator.MessagesTo(chats[c]);
            var answers = messages.Count - warmUpBotMessages;
            missing += Math.Max(0, perChat - answers);
            extra += Math.Max(0, answers - perChat);
            for (var k = 0; k < Math.Min(perChat, answers); k++)
            {
                var reply = messages[warmUpBotMessages + k];
                replies++;
                if (!isRightReply(reply))
                {
                    wrong++;
                }

                latencies.Add((reply.Date - posted[c][k]).TotalMilliseconds);
                if (reply.Date > last)
                {
                    last = reply.Date;
                }
            }
        }

        latencies.Sort();
        return new PhaseResult(mode, chats.Length * perChat, replies, (last - first).TotalSeconds, [.. latencies], wrong, missing, extra);
    }

    /// <summary>Waits until every chat holds <paramref name="botMessages"/> bot messages, or nothing moved for <paramref name="stallTimeout"/>; returns how many are missing.</summary>
    private static async Task<int> WaitForAsync(TelegramBotApiEmulator emulator, long[] chats, int botMessages, TimeSpan stallTimeout, CancellationToken cancellationToken)
    {
        var pending = new List<long>(chats);
        var lastMissing = int.MaxValue;
        var lastProgress = DateTime.UtcNow;
        var lastReport = DateTime.UtcNow;
        while (true)
        {
            var missing = 0;
            var stillPending = new List<long>(pending.Count);
            foreach (var chat in pending)
            {
                var count = emulator.MessagesTo(chat).Count;
                if (count < botMessages)
                {
                    missing += botMessages - count;
                    stillPending.Add(chat);
                }
            }

            pending = stillPending;
            if (missing == 0)
            {
                return 0;
            }

            var now = DateTime.UtcNow;
            if (missing < lastMissing)
            {
                lastMissing = missing;
                lastProgress = now;
            }
            else if (now - lastProgress > stallTimeout)
            {
                Console.WriteLine($"  no progress for {stallTimeout.TotalSeconds:F0} s; {missing} replies missing");
                return missing;
            }

            if (now - lastReport > TimeSpan.FromSeconds(5))
            {
                Console.WriteLine($"  … {missing} replies still to come in {pending.Count} chats");
                lastReport = now;
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
