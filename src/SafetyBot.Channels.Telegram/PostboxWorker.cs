using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SafetyBot.Core.Delivery;

namespace SafetyBot.Channels.Telegram;

/// <summary>
/// A pool of workers draining one postbox: each takes the next due item, handles it, and otherwise sleeps until the
/// postbox announces new items or the next one falls due. They keep going through storage outages (the items wait
/// in the postbox). An item being handled is finished even while the host stops, so it is not handled twice.
/// </summary>
public abstract partial class PostboxWorker(IPostbox postbox, int workers, ILogger logger) : BackgroundService
{
    private static readonly TimeSpan IdleWait = TimeSpan.FromSeconds(2);
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);

    /// <summary>Handles one item and completes or retries its lease.</summary>
    protected abstract Task HandleAsync(DeliveryLease lease);

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
        GC.SuppressFinalize(this);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        postbox.Added += Wake;
        stoppingToken.Register(() => postbox.Added -= Wake);
        return Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkAsync(stoppingToken), CancellationToken.None)));
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (ObjectDisposedException)
        {
            // stopping
        }
    }

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var take = await postbox.TakeAsync(stoppingToken).ConfigureAwait(false);
                if (take.Lease is { } lease)
                {
                    await HandleAsync(lease).ConfigureAwait(false);
                    continue;
                }

                await _wake.WaitAsync(take.NextIn is { } next && next < IdleWait ? next : IdleWait, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Storage away: the items wait in the postbox.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogPostboxFailed(logger, ex, postbox.Name);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Postbox} postbox is not reachable; its items are handled when it is")]
    private static partial void LogPostboxFailed(ILogger logger, Exception exception, string postbox);
}
