using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SafetyBot.Core.Delivery;

namespace SafetyBot.Channels.Telegram;

/// <summary>
/// A pool of workers draining one postbox: each takes the next due item, handles it, and otherwise sleeps until the
/// postbox announces new items or the next one falls due. A handler that completes its item may take the next one in
/// the same round trip. They keep going through storage outages (the items wait in the postbox). An item being
/// handled (or already taken) is finished even while the host stops, so it is not handled twice.
/// </summary>
public abstract partial class PostboxWorker(IPostbox postbox, int workers, ILogger logger) : BackgroundService
{
    private static readonly TimeSpan IdleWait = TimeSpan.FromSeconds(2);
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);

    /// <summary>
    /// Handles one item and completes or retries its lease. When <paramref name="takeNext"/>, it may complete and take the
    /// next item together (<see cref="IPostbox.CompleteAndTakeAsync"/>) and return what it took; null: nothing taken.
    /// </summary>
    protected abstract Task<DeliveryTake?> HandleAsync(DeliveryLease lease, bool takeNext);

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
        DeliveryTake? taken = null;
        while (taken is { Lease: not null } || !stoppingToken.IsCancellationRequested)
        {
            try
            {
                var take = taken ?? await postbox.TakeAsync(stoppingToken).ConfigureAwait(false);
                taken = null;
                if (take.Lease is { } lease)
                {
                    taken = await HandleAsync(lease, takeNext: !stoppingToken.IsCancellationRequested).ConfigureAwait(false);
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
                taken = null;
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
