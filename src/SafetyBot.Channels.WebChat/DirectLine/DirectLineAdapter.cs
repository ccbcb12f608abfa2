using Microsoft.Bot.Builder;
using Microsoft.Bot.Schema;
using Microsoft.Extensions.Logging;
using SafetyBot.Core.Pipeline;
using SafetyBot.Core.Streams;

namespace SafetyBot.Channels.WebChat.DirectLine;

/// <summary>
/// The web chat channel's Bot Builder adapter: bot activities are appended to the conversation's
/// activity stream, where every host's WebSocket and polling clients find them.
/// </summary>
public sealed partial class DirectLineAdapter(
    TurnPipeline pipeline,
    IActivityStreamStore store,
    DirectLineHub hub,
    TimeProvider clock,
    ILogger<DirectLineAdapter> logger) : SafetyBotAdapter(pipeline)
{
    public override async Task<ResourceResponse[]> SendActivitiesAsync(ITurnContext turnContext, Activity[] activities, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(activities);
        var responses = new ResourceResponse[activities.Length];
        for (var i = 0; i < activities.Length; i++)
        {
            var activity = activities[i];
            if (activity.Type == ActivityTypesEx.Delay)
            {
                var delay = activity.Value is int ms ? ms : 1000;
                await Task.Delay(Math.Clamp(delay, 0, 5000), cancellationToken).ConfigureAwait(false);
                responses[i] = new ResourceResponse(string.Empty);
                continue;
            }

            if (activity.Type == ActivityTypesEx.InvokeResponse)
            {
                responses[i] = new ResourceResponse(string.Empty);
                continue;
            }

            var conversationId = activity.Conversation?.Id ?? turnContext?.Activity.Conversation.Id
                ?? throw new InvalidOperationException("An outgoing activity has no conversation.");
            var payload = DirectLineJson.Serialize(DirectLineJson.OutgoingBotActivity(activity, conversationId, clock.GetUtcNow()));
            responses[i] = new ResourceResponse(await AppendAsync(conversationId, payload, cancellationToken).ConfigureAwait(false));
        }

        return responses;
    }

    private async Task<string> AppendAsync(string conversationId, string payload, CancellationToken cancellationToken)
    {
        try
        {
            var entry = await store.AppendAsync(conversationId, payload, cancellationToken).ConfigureAwait(false);
            if (entry is { } stored)
            {
                return conversationId + "|" + stored.Watermark.ToString("D7", System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The store is away: the person must still see the answer (usually the helpline fallback).
            LogStoreUnavailable(logger, ex);
        }

        var id = conversationId + "|u" + Guid.NewGuid().ToString("N");
        hub.DeliverUnstored(conversationId, payload.Replace(IActivityStreamStore.WatermarkMarker, id[(conversationId.Length + 1)..], StringComparison.Ordinal));
        return id;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not store a bot activity; delivering it to this host's open streams only")]
    private static partial void LogStoreUnavailable(ILogger logger, Exception exception);
}
