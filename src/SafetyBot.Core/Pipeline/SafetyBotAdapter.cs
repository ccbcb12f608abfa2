using System.Security.Claims;
using Microsoft.Bot.Builder;
using Microsoft.Bot.Schema;

namespace SafetyBot.Core.Pipeline;

/// <summary>
/// Base of every channel adapter: installs SafetyBot's middleware and error handler, and runs proactive
/// turns correctly — Bot Builder's own <c>ContinueConversationAsync</c> disposes the turn context before
/// the turn has finished.
/// </summary>
public abstract class SafetyBotAdapter : BotAdapter
{
    protected SafetyBotAdapter(TurnPipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        Pipeline = pipeline;
        foreach (var middleware in pipeline.CreateMiddleware())
        {
            Use(middleware);
        }

        OnTurnError = pipeline.OnTurnErrorAsync;
    }

    protected TurnPipeline Pipeline { get; }

    /// <summary>Runs one incoming activity through the middleware and the bot; returns when the turn is done.</summary>
    public async Task ProcessActivityAsync(Activity activity, Action<TurnContext>? prepare, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(activity);
        using var turnContext = new TurnContext(this, activity);
        prepare?.Invoke(turnContext);
        await RunPipelineAsync(turnContext, Pipeline.Bot.OnTurnAsync, cancellationToken).ConfigureAwait(false);
    }

    public override async Task ContinueConversationAsync(string botId, ConversationReference reference, BotCallbackHandler callback, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        using var turnContext = new TurnContext(this, reference.GetContinuationActivity());
        await RunPipelineAsync(turnContext, callback, cancellationToken).ConfigureAwait(false);
    }

    public override async Task ContinueConversationAsync(ClaimsIdentity claimsIdentity, ConversationReference reference, BotCallbackHandler callback, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        using var turnContext = new TurnContext(this, reference.GetContinuationActivity());
        await RunPipelineAsync(turnContext, callback, cancellationToken).ConfigureAwait(false);
    }

    public override Task ContinueConversationAsync(ClaimsIdentity claimsIdentity, ConversationReference reference, string audience, BotCallbackHandler callback, CancellationToken cancellationToken) =>
        ContinueConversationAsync(claimsIdentity, reference, callback, cancellationToken);

    public override async Task ContinueConversationAsync(string botId, Activity continuationActivity, BotCallbackHandler callback, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(continuationActivity);
        using var turnContext = new TurnContext(this, continuationActivity);
        await RunPipelineAsync(turnContext, callback, cancellationToken).ConfigureAwait(false);
    }

    public override Task ContinueConversationAsync(ClaimsIdentity claimsIdentity, Activity continuationActivity, BotCallbackHandler callback, CancellationToken cancellationToken) =>
        ContinueConversationAsync(string.Empty, continuationActivity, callback, cancellationToken);

    public override Task ContinueConversationAsync(ClaimsIdentity claimsIdentity, Activity continuationActivity, string audience, BotCallbackHandler callback, CancellationToken cancellationToken) =>
        ContinueConversationAsync(string.Empty, continuationActivity, callback, cancellationToken);

    public override Task<ResourceResponse> UpdateActivityAsync(ITurnContext turnContext, Activity activity, CancellationToken cancellationToken) =>
        throw new NotSupportedException("SafetyBot does not edit sent messages on this channel.");

    public override Task DeleteActivityAsync(ITurnContext turnContext, ConversationReference reference, CancellationToken cancellationToken) =>
        Task.CompletedTask;
}
