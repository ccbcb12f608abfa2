using SafetyBot.Core.Handoff;

namespace SafetyBot.Host;

/// <summary>
/// Runs the hotline desk's sweep whenever the waiting room changes (announced on every host) and every few
/// seconds as a safety net, since a lease running out announces nothing.
/// </summary>
public sealed partial class HandoffSweeper(HotlineDesk desk, IWaitingRoom room, ILogger<HandoffSweeper> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    private readonly string _host = Environment.MachineName + "/" + Guid.NewGuid().ToString("N")[..8];
    private readonly SemaphoreSlim _wake = new(0, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        room.Changed += Wake;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await desk.SweepAsync(_host, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogSweepFailed(logger, ex.GetType().Name);
                }

                await _wake.WaitAsync(Interval, stoppingToken).ConfigureAwait(false);
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
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // already woken
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The hotline sweep failed ({Error}); it runs again shortly")]
    private static partial void LogSweepFailed(ILogger logger, string error);
}
