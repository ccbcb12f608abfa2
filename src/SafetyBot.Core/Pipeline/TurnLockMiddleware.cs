using Microsoft.Bot.Builder;
using SafetyBot.Core.Conversations;

namespace SafetyBot.Core.Pipeline;

/// <summary>Holds the conversation's turn lock for the whole turn, so state is read and saved by one turn at a time.</summary>
public sealed class TurnLockMiddleware(IConversationTurnLock turnLock) : IMiddleware
{
    public async Task OnTurnAsync(ITurnContext turnContext, NextDelegate next, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(turnContext);
        ArgumentNullException.ThrowIfNull(next);
        var handle = await turnLock.AcquireAsync(ConversationKey.For(turnContext), cancellationToken).ConfigureAwait(false);
        await using (handle.ConfigureAwait(false))
        {
            await next(cancellationToken).ConfigureAwait(false);
        }
    }
}
