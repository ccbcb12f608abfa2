using System.Globalization;
using System.Text.Json;
using Microsoft.Bot.Builder;
using Microsoft.Extensions.Options;
using SafetyBot.Core.Delivery;
using SafetyBot.Core.Pipeline;
using SafetyBot.Core.Transcripts;

namespace SafetyBot.Channels.Telegram;

/// <summary>
/// A reply waiting to go out: the chat, the text (one part of at most 4096 characters) and its buttons. Once sent, its
/// message id is kept for quick exit, unless <paramref name="Forget"/> (the closing line of an erased conversation).
/// </summary>
public sealed record OutgoingMessage(long ChatId, string Text, IReadOnlyList<OutgoingButton>? Buttons, bool Forget = false);

public sealed record OutgoingButton(string Title, string Data);

/// <summary>
/// Telegram's outbox: every reply is sealed (AES-GCM, like transcripts) and waits in a durable line per chat
/// (Redis when configured) until it is sent, so a restart loses none; crisis replies jump the queue, and the
/// pacing keeps to Telegram's limits (about one message a second per chat, a global rate per second, a tenth of
/// it kept for crisis replies).
/// </summary>
public sealed class TelegramOutbox
{
    public const string Name = "telegram-out";
    private readonly TranscriptCipher _cipher;

    public TelegramOutbox(IPostboxes postboxes, TranscriptCipher cipher, IOptions<TelegramOptions> options)
    {
        ArgumentNullException.ThrowIfNull(postboxes);
        ArgumentNullException.ThrowIfNull(options);
        _cipher = cipher;
        var o = options.Value;
        var lease = TimeSpan.FromSeconds(o.SendLeaseSeconds);
        Postbox = postboxes.Open(Name, o.PaceMessages
            ? new DeliveryPacing { PerLine = TimeSpan.FromSeconds(1), PerSecond = o.MessagesPerSecond, UrgentReserve = Math.Max(1, o.MessagesPerSecond / 10), RateWindow = TimeSpan.FromMilliseconds(1100), Lease = lease }
            : new DeliveryPacing { Lease = lease });
    }

    public IPostbox Postbox { get; }

    public static string Line(long chatId) => "telegram/" + chatId.ToString(CultureInfo.InvariantCulture);

    public static string Receipt(long botId, int updateId) =>
        botId.ToString(CultureInfo.InvariantCulture) + ":" + updateId.ToString(CultureInfo.InvariantCulture);

    public DeliveryItem Seal(OutgoingMessage message, bool urgent) =>
        new(DeliveryItem.NewId(), urgent, _cipher.Seal(Name, JsonSerializer.SerializeToUtf8Bytes(message, OutboxJson.Default.OutgoingMessage)));

    public OutgoingMessage Open(DeliveryItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return JsonSerializer.Deserialize(_cipher.Open(Name, item.Payload), OutboxJson.Default.OutgoingMessage)
            ?? throw new JsonException("Empty outgoing message.");
    }
}

/// <summary>
/// What one Telegram turn hands to the outbox when it ends: the replies, the update it answers (the receipt that
/// makes it happen once) and whether the turn erased the conversation.
/// </summary>
public sealed class TelegramTurn(long chatId, int? updateId, int? receivedMessageId)
{
    public const string Key = "SafetyBot.Telegram.Turn";

    public long ChatId { get; } = chatId;

    public int? UpdateId { get; } = updateId;

    public int? ReceivedMessageId { get; } = receivedMessageId;

    public List<DeliveryItem> Replies { get; } = [];

    /// <summary>The copy kept in conversation state, saved with it (null when the turn erased the conversation).</summary>
    public TelegramPendingReplies? Saved { get; set; }

    public bool Erased { get; set; }
}

/// <summary>
/// The replies of the last update, kept in conversation state and saved in the same write as the state. If a host
/// stops after saving the state but before the replies reached the outbox, the update comes again and these
/// replies are handed over instead of running the turn a second time on state it already changed.
/// </summary>
public sealed class TelegramPendingReplies
{
    public int UpdateId { get; set; }

    public List<PendingReply> Replies { get; set; } = [];
}

public sealed class PendingReply
{
    public string Id { get; set; } = string.Empty;

    public bool Urgent { get; set; }

    public byte[] Payload { get; set; } = [];
}

/// <summary>The innermost middleware of a Telegram update turn: replays the saved replies of an update already applied.</summary>
internal sealed class TelegramReplayGuard(IStatePropertyAccessor<TelegramPendingReplies> saved) : IMiddleware
{
    public async Task OnTurnAsync(ITurnContext turnContext, NextDelegate next, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(turnContext);
        ArgumentNullException.ThrowIfNull(next);
        if (turnContext.TurnState.Get<TelegramTurn>(TelegramTurn.Key) is not { UpdateId: { } updateId } turn)
        {
            await next(cancellationToken).ConfigureAwait(false);
            return;
        }

        var pending = await saved.GetAsync(turnContext, () => new TelegramPendingReplies(), cancellationToken).ConfigureAwait(false);
        if (pending.UpdateId == updateId)
        {
            turn.Replies.AddRange(pending.Replies.Select(r => new DeliveryItem(r.Id, r.Urgent, r.Payload)));
            turnContext.TurnState[TurnKeys.Replayed] = true; // its words and replies are in the transcript from the first time
            return;
        }

        pending.UpdateId = updateId;
        pending.Replies.Clear();
        turn.Saved = pending;
        await next(cancellationToken).ConfigureAwait(false);
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(OutgoingMessage))]
internal sealed partial class OutboxJson : System.Text.Json.Serialization.JsonSerializerContext;
