using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;

namespace SafetyBot.Telegram.Emulator;

internal sealed record WebhookSettings(Uri Url, string? SecretToken, int MaxConnections, string? IpAddress);

internal sealed record WebhookError(DateTimeOffset At, string Message);

/// <summary>
/// Delivers pending updates to the webhook: one lane per chat keeps that chat's updates in order
/// (the next waits until the previous was accepted), lanes run in parallel up to max_connections,
/// and failed deliveries (non-2xx, refused, timed out) are retried with doubling back-off until they
/// succeed or the webhook is removed.
/// </summary>
internal sealed class WebhookDispatcher(
    WebhookSettings settings,
    HttpClient http,
    TelegramBotApiEmulatorOptions options,
    TimeProvider clock,
    Action<PendingUpdate> delivered,
    Action<WebhookDelivery> attempted)
{
    public const string SecretHeader = "X-Telegram-Bot-Api-Secret-Token";

    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };
    private readonly ConcurrentDictionary<long, Lane> _lanes = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _connections = new(settings.MaxConnections, settings.MaxConnections);
    private volatile WebhookError? _lastError;

    public WebhookSettings Settings { get; } = settings;

    public WebhookError? LastError => _lastError;

    /// <summary>Called under the update store's lock: must stay short and never call back into the store.</summary>
    public void Enqueue(PendingUpdate update)
    {
        var lane = _lanes.GetOrAdd(update.ChatId, static _ => new Lane());
        lock (lane)
        {
            lane.Queue.Enqueue(update);
            if (!lane.Running && !_stop.IsCancellationRequested)
            {
                lane.Running = true;
                lane.Drain = Task.Run(() => DrainAsync(lane));
            }
        }
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        var draining = _lanes.Values.Select(lane =>
        {
            lock (lane)
            {
                return lane.Drain;
            }
        });
        try
        {
            await Task.WhenAll(draining);
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
            // A lane that failed has nothing left to deliver; the webhook is gone either way.
        }

        _connections.Dispose();
        _stop.Dispose();
    }

    private async Task DrainAsync(Lane lane)
    {
        while (true)
        {
            PendingUpdate next;
            lock (lane)
            {
                if (lane.Queue.Count == 0 || _stop.IsCancellationRequested)
                {
                    lane.Running = false;
                    return;
                }

                next = lane.Queue.Peek();
            }

            if (!await DeliverAsync(next))
            {
                lock (lane)
                {
                    lane.Running = false;
                }

                return;
            }

            lock (lane)
            {
                lane.Queue.Dequeue();
            }

            delivered(next);
        }
    }

    /// <summary>True once delivered; false when the webhook was removed first.</summary>
    private async Task<bool> DeliverAsync(PendingUpdate update)
    {
        var stopping = _stop.Token;
        var backoff = options.WebhookRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            string? error;
            int? status = null;
            try
            {
                await _connections.WaitAsync(stopping);
            }
            catch (OperationCanceledException)
            {
                return false;
            }

            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, Settings.Url);
                request.Content = new StringContent(update.Json, Encoding.UTF8);
                request.Content.Headers.ContentType = Json;
                if (Settings.SecretToken is not null)
                {
                    request.Headers.TryAddWithoutValidation(SecretHeader, Settings.SecretToken);
                }

                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                timeout.CancelAfter(options.WebhookTimeout);
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                status = (int)response.StatusCode;
                error = response.IsSuccessStatusCode
                    ? null
                    : $"Wrong response from the webhook: {status} {response.ReasonPhrase}";
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return false;
            }
            catch (OperationCanceledException)
            {
                error = "Read timeout expired";
            }
            catch (HttpRequestException exception)
            {
                error = exception.HttpRequestError == HttpRequestError.ConnectionError
                    ? "Connection refused"
                    : "Failed to deliver: " + exception.HttpRequestError;
            }
            finally
            {
                _connections.Release();
            }

            var now = clock.GetUtcNow();
            attempted(new WebhookDelivery(update.Id, update.ChatId, attempt, status, error, now));
            if (error is null)
            {
                return true;
            }

            _lastError = new WebhookError(now, error);
            try
            {
                await Task.Delay(backoff, stopping);
            }
            catch (OperationCanceledException)
            {
                return false;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, options.WebhookMaxRetryDelay.Ticks));
        }
    }

    private sealed class Lane
    {
        public Queue<PendingUpdate> Queue { get; } = new();

        public bool Running { get; set; }

        public Task Drain { get; set; } = Task.CompletedTask;
    }
}
