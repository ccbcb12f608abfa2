using Microsoft.Bot.Builder;

namespace SafetyBot.Core.Pipeline;

/// <summary>Saves conversation state after the turn, unless the turn erased the conversation.</summary>
public sealed class SaveStateMiddleware(ConversationState conversationState) : IMiddleware
{
    public async Task OnTurnAsync(ITurnContext turnContext, NextDelegate next, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(next);
        await next(cancellationToken).ConfigureAwait(false);
        if (!TurnKeys.IsErased(turnContext))
        {
            await conversationState.SaveChangesAsync(turnContext, force: false, cancellationToken).ConfigureAwait(false);
        }
    }
}
