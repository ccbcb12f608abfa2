using global::Telegram.Bot;
using global::Telegram.Bot.Types;

namespace SafetyBot.Bench.Telegram;

/// <summary>
/// The baseline: the least a Telegram.Bot long-polling bot can do. getUpdates(offset, limit 100, timeout 1), then one
/// sendMessage("ok") per update; the chats of one batch are answered concurrently (a chat's own updates in order),
/// and the next poll waits for the whole batch. No storage, no dialogs, no pacing.
/// </summary>
internal sealed class BareLoop : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly TelegramBotClient _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _sendFailures;

    public BareLoop(string token, string baseUrl)
    {
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        _client = new TelegramBotClient(new TelegramBotClientOptions(token, baseUrl), _http);
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    public long SendFailures => Interlocked.Read(ref _sendFailures);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stop.Dispose();
        _http.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        int? offset = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            Update[] updates;
            try
            {
                updates = await _client.GetUpdates(offset, limit: 100, timeout: 1, cancellationToken: cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await Console.Error.WriteLineAsync("bare loop: getUpdates failed: " + ex.Message);
                await Task.Delay(100, cancellationToken);
                continue;
            }

            if (updates.Length == 0)
            {
                continue;
            }

            await Task.WhenAll(updates
                .Where(update => update.Message is not null)
                .GroupBy(update => update.Message!.Chat.Id)
                .Select(chat => AnswerAsync(chat.Key, chat.Count(), cancellationToken)));
            offset = updates[^1].Id + 1;
        }
    }

    private async Task AnswerAsync(long chatId, int count, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            try
            {
                await _client.SendMessage(chatId, "ok", cancellationToken: cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Interlocked.Increment(ref _sendFailures);
            }
        }
    }
}
