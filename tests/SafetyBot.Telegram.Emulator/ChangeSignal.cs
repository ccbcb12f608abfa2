namespace SafetyBot.Telegram.Emulator;

/// <summary>
/// Wakes waiters when something changed. Take <see cref="Next"/> before checking the state, then await it:
/// a change after the check completes the task already taken, so no wake-up is lost.
/// Allocates only while someone waits.
/// </summary>
internal sealed class ChangeSignal
{
    private TaskCompletionSource? _waiters;

    public Task Next()
    {
        var current = Volatile.Read(ref _waiters);
        if (current is not null)
        {
            return current.Task;
        }

        var fresh = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return (Interlocked.CompareExchange(ref _waiters, fresh, null) ?? fresh).Task;
    }

    public void Pulse()
    {
        if (Volatile.Read(ref _waiters) is null)
        {
            return;
        }

        Interlocked.Exchange(ref _waiters, null)?.TrySetResult();
    }
}
