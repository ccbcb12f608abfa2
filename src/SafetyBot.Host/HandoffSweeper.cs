using SafetyBot.Core.Handoff;
using SafetyBot.Host.Hotline;

namespace SafetyBot.Host;

/// <summary>Runs the hotline desk's sweep (abandoned claims back into line, new places told) on every change and every 2 s.</summary>
public sealed class HandoffSweeper(HotlineDesk desk, IWaitingRoom room, ILogger<HandoffSweeper> logger)
    : WaitingRoomLoop(room, logger, TimeSpan.FromSeconds(2))
{
    private readonly string _host = Environment.MachineName + "/" + Guid.NewGuid().ToString("N")[..8];

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => desk.SweepAsync(_host, cancellationToken);
}
