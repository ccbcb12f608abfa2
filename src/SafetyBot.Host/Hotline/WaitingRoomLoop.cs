using SafetyBot.Core.Handoff;

namespace SafetyBot.Host.Hotline;

/// <summary>
/// Runs a piece of hotline work whenever the waiting room changes (announced on every host) and at a fixed
/// interval as a safety net, since some changes (a lease running out) announce nothing.
/// </summary>
public abstract partial class WaitingRoomLoop(IWaitingRoom room, ILogger logger, TimeSpan interval) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    protected IWaitingRoom Room => room;

    protected abstract Task RunOnceAsync(CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        room.Changed += Wake;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogFailed(logger, GetType().Name, ex.GetType().Name);
                }

                await _wake.WaitAsync(interval, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
        finally
        {
            room.Changed -= Wake;
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
        GC.SuppressFinalize(this);
    }

    private void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // already woken
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Loop} failed ({Error}); it runs again shortly")]
    private static partial void LogFailed(ILogger logger, string loop, string error);
}
