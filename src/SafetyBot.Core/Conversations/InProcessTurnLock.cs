using System.Collections.Concurrent;

namespace SafetyBot.Core.Conversations;

/// <summary>A per-conversation async lock for a single host; entries are removed when unused.</summary>
public sealed class InProcessTurnLock : IConversationTurnLock
{
    private readonly ConcurrentDictionary<string, Gate> _gates = new(StringComparer.Ordinal);

    public int ActiveGates => _gates.Count;

    public async ValueTask<IAsyncDisposable> AcquireAsync(ConversationKey conversation, CancellationToken cancellationToken)
    {
        while (true)
        {
            var gate = _gates.GetOrAdd(conversation.Value, static _ => new Gate());
            lock (gate)
            {
                if (gate.Retired)
                {
                    continue;
                }

                gate.Users++;
            }

            try
            {
                await gate.Semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                Leave(conversation.Value, gate);
                throw;
            }

            return new Releaser(this, conversation.Value, gate);
        }
    }

    private void Leave(string key, Gate gate)
    {
        lock (gate)
        {
            gate.Users--;
            if (gate.Users == 0)
            {
                gate.Retired = true;
                _gates.TryRemove(new KeyValuePair<string, Gate>(key, gate));
            }
        }
    }

    private sealed class Gate
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int Users { get; set; }

        public bool Retired { get; set; }
    }

    private sealed class Releaser(InProcessTurnLock owner, string key, Gate gate) : IAsyncDisposable
    {
        private int _released;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Semaphore.Release();
                owner.Leave(key, gate);
            }

            return ValueTask.CompletedTask;
        }
    }
}
