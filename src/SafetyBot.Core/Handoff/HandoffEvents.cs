using Microsoft.Bot.Schema;

namespace SafetyBot.Core.Handoff;

/// <summary>
/// Where the Bot Framework handoff events of every change of owner go (<c>handoff.initiate</c> with the routing
/// context and transcript, <c>handoff.status</c> accepted / failed / completed): to the hotline side, never to
/// the person's own channel. The transitions themselves are recorded in conversation state.
/// </summary>
public sealed class HandoffEvents
{
    public event Action<string, IEventActivity>? Emitted;

    public void Emit(string conversation, IEventActivity activity) => Emitted?.Invoke(conversation, activity);
}
