namespace SafetyBot.Telegram.Emulator;

/// <summary>
/// Real time plus an offset a test can move forward, so "older than 48 hours" can be proved
/// without waiting while long polls, webhook retries and rate windows still run in real time.
/// </summary>
public sealed class EmulatorClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() =>
        base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        Interlocked.Add(ref _offsetTicks, by.Ticks);
    }
}
