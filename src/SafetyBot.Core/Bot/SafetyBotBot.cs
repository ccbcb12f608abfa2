using System.Collections.Frozen;
using Microsoft.Bot.Builder;
using Microsoft.Bot.Schema;
using Newtonsoft.Json.Linq;
using SafetyBot.Core.Analysis;
using SafetyBot.Core.Conversations;
using SafetyBot.Core.Dialogs;
using SafetyBot.Core.Handoff;
using SafetyBot.Core.Transcripts;
using SafetyBot.Core.Pipeline;

namespace SafetyBot.Core.Bot;

/// <summary>
/// The conversation itself: welcome, safety notice, main menu, helplines, language choice and quick exit.
/// Channel-neutral: it sees Bot Builder activities only.
/// </summary>
public sealed class SafetyBotBot(
    ConversationState conversationState,
    BotContent content,
    ConversationEraser eraser,
    SafetyAnalyzer analyzer,
    DialogEngine dialogs,
    IWaitingRoom waitingRoom,
    ITranscriptArchive transcripts,
    HandoffEvents handoffEvents,
    IHotlineFeed hotlineFeed,
    IHandoffService handoff,
    TimeProvider clock) : ActivityHandler
{
    private const string WelcomeFlow = "welcome";
    private readonly IStatePropertyAccessor<ConversationData> _data = conversationState.CreateProperty<ConversationData>(nameof(ConversationData));
    private readonly FrozenDictionary<string, (string? Action, string? Argument)> _typed = TypedWords(content);

    protected override async Task OnMembersAddedAsync(IList<ChannelAccount> membersAdded, ITurnContext<IConversationUpdateActivity> turnContext, CancellationToken cancellationToken)
    {
        if (membersAdded.Any(m => m.Id != turnContext.Activity.Recipient?.Id))
        {
            var data = await _data.GetAsync(turnContext, () => new ConversationData(), cancellationToken).ConfigureAwait(false);
            if (!data.Welcomed)
            {
                await WelcomeAsync(turnContext, data, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    protected override async Task OnTypingActivityAsync(ITurnContext<ITypingActivity> turnContext, CancellationToken cancellationToken)
    {
        var data = await _data.GetAsync(turnContext, () => new ConversationData(), cancellationToken).ConfigureAwait(false);
        if (data.Handoff.Status == HandoffStatuses.WithAgent)
        {
            await hotlineFeed.PersonTypingAsync(ConversationKey.For(turnContext).Value, cancellationToken).ConfigureAwait(false);
        }
    }

    protected override async Task OnMessageActivityAsync(ITurnContext<IMessageActivity> turnContext, CancellationToken cancellationToken)
    {
        var data = await _data.GetAsync(turnContext, () => new ConversationData(), cancellationToken).ConfigureAwait(false);
        data.Turns++;

        // A channel can carry the person's explicit language choice (e.g. a Telegram deep link "/start uk")
        // and the platform that sent them ("/start p_<partner>").
        if (turnContext.Activity.ChannelData is JObject channelData)
        {
            if (content.Catalog.Match(channelData.Value<string>("chooseLanguage")) is { } chosen)
            {
                data.Language = chosen;
                data.LanguageChosen = true;
                turnContext.TurnState[TurnKeys.Language] = chosen;
            }

            if (channelData.Value<string>("partner") is { Length: > 0 and <= 40 } partner
                && partner.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                data.Partner = partner;
            }
        }

        var language = TurnKeys.LanguageOf(turnContext);

        if (turnContext.Activity.Attachments is { Count: > 0 })
        {
            var reply = WithMenu(MessageFactory.Text(Text(language, "media.not_stored")), language, onlyEssentials: true);
            await turnContext.SendActivityAsync(reply, cancellationToken).ConfigureAwait(false);

            // The question that was waiting is asked again, so the person knows where they are.
            var waiting = Turn(turnContext, data);
            if (dialogs.Reprompt(waiting))
            {
                await SendDialogAsync(turnContext, waiting, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        var (action, argument) = Recognise(turnContext.Activity);

        // The crisis check runs on everything the person writes in their own words, before anything else:
        // danger now or thoughts of self-harm get the emergency number and helplines at once, whatever flow was running.
        // A message they paste to have it checked is someone else's words: the flow analyses it as received.
        if (action is null && turnContext.Activity.Text is { Length: > 0 } said && !dialogs.ExpectsReceivedMessage(data))
        {
            var analysis = analyzer.Analyze(said, language, MessageRole.User);
            if (analysis.Crisis)
            {
                data.Welcomed = true;
                data.Crisis = true;
                data.Dialog.Clear();
                if (data.Handoff.Status is HandoffStatuses.Queued or HandoffStatuses.WithAgent)
                {
                    // Waiting for a person: they go to the front, with everyone else in crisis. With a person: they see it at once.
                    var conversation = ConversationKey.For(turnContext).Value;
                    await waitingRoom.EscalateAsync(conversation, PriorityBand.Crisis, cancellationToken).ConfigureAwait(false);
                    if (data.Handoff.Status == HandoffStatuses.WithAgent)
                    {
                        await hotlineFeed.PersonWroteAsync(conversation, said, clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                    }
                }

                var key = analysis.Has(SignalCategories.CrisisDanger) ? "crisis.danger" : "crisis.self_harm";
                var text = HelplineText(turnContext, language, key, ("emergency", Emergency(turnContext)));
                var crisisReply = WithMenu(MessageFactory.Text(text), language, onlyEssentials: true);
                crisisReply.Importance = ActivityImportance.High; // channels send it before anything else waiting
                await turnContext.SendActivityAsync(crisisReply, cancellationToken).ConfigureAwait(false);
                return;
            }

            // No language chosen and none known from the channel: the first words decide it.
            if (!data.Welcomed && !data.LanguageChosen && !data.LanguageHinted && analysis.Language != language
                && content.Catalog.Supports(analysis.Language) && said.Count(char.IsLetter) >= 8)
            {
                language = analysis.Language;
                data.Language = language;
                turnContext.TurnState[TurnKeys.Language] = language;
            }
        }

        // Waiting for a person, or talking with one: the bot stays out of the way.
        if (data.Handoff.Status is HandoffStatuses.Queued or HandoffStatuses.WithAgent && action != BotActions.Exit)
        {
            await WhileWithTheHotlineAsync(turnContext, data, action, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!data.Welcomed && action is null or BotActions.Menu)
        {
            await WelcomeAsync(turnContext, data, cancellationToken).ConfigureAwait(false);
            return;
        }

        data.Welcomed = true;
        var turn = Turn(turnContext, data);
        switch (action)
        {
            case BotActions.Exit:
                await ExitAsync(turnContext, language, cancellationToken).ConfigureAwait(false);
                return;
            case BotActions.Menu:
                data.Dialog.Clear();
                await SendAsync(turnContext, language, Text(language, content.Menu.PromptKey), cancellationToken).ConfigureAwait(false);
                return;
            case BotActions.Help:
                await SendAsync(turnContext, language, Text(language, "help.text", ("emergency", Emergency(turnContext))), cancellationToken).ConfigureAwait(false);
                if (dialogs.Reprompt(turn))
                {
                    await SendDialogAsync(turnContext, turn, cancellationToken).ConfigureAwait(false);
                }

                return;
            case BotActions.Language:
                await AskLanguageAsync(turnContext, language, cancellationToken).ConfigureAwait(false);
                return;
            case BotActions.SetLanguage when argument is not null && content.Catalog.Supports(argument):
                data.Language = argument;
                data.LanguageChosen = true;
                turnContext.TurnState[TurnKeys.Language] = argument;
                turn = Turn(turnContext, data);
                if (dialogs.Reprompt(turn))
                {
                    turn.Output.Insert(0, new DialogMessage(Text(argument, "dialog.resume"), []));
                    await SendDialogAsync(turnContext, turn, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await SendAsync(turnContext, argument, Text(argument, "language.changed"), cancellationToken).ConfigureAwait(false);
                }

                return;
            case DialogEngine.AnswerAction:
            case null:
                if (await dialogs.ContinueAsync(turn, new DialogInput(turnContext.Activity.Text, action, argument), cancellationToken).ConfigureAwait(false))
                {
                    await SendDialogAsync(turnContext, turn, cancellationToken).ConfigureAwait(false);
                    return;
                }

                // Not understood might be a crisis the check missed: the emergency number is always in this reply.
                await SendAsync(turnContext, language, Text(language, "fallback.not_understood", ("emergency", Emergency(turnContext))), cancellationToken).ConfigureAwait(false);
                return;
        }

        if (content.Menu.Items.FirstOrDefault(i => i.Action == action) is { Flow: { } flow, Status: MainMenu.Ready })
        {
            await dialogs.StartAsync(turn, flow, cancellationToken).ConfigureAwait(false);
            await SendDialogAsync(turnContext, turn, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (content.Menu.Items.Any(i => i.Action == action && i.Status == MainMenu.ComingSoon))
        {
            await SendAsync(turnContext, language, HelplineText(turnContext, language, "feature.not_yet"), cancellationToken).ConfigureAwait(false);
            return;
        }

        // A button SafetyBot does not know (forged, or from an older version).
        await SendAsync(turnContext, language, Text(language, "fallback.not_understood", ("emergency", Emergency(turnContext))), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A text followed by the main menu's buttons, in the person's language (used when a staff member hands back).</summary>
    public Activity MenuReply(string text, string language) => WithMenu(MessageFactory.Text(text), language, onlyEssentials: false);

    /// <summary>Nobody can join after all: the helplines of the person's country, a way to a person later and a way out.</summary>
    public Activity UnavailableReply(string language, string? country) =>
        WithMenu(MessageFactory.Text(Text(language, "human.unavailable") + "\n\n" + HelplineLines(language, country)), language, onlyEssentials: true);

    /// <summary>What the person sees when SafetyBot cannot reach its storage: emergency number and helplines.</summary>
    public Activity TechnicalProblemReply(string language, string? country)
    {
        var helplines = content.Helplines.For(country);
        var text = Text(language, "error.technical", ("emergency", helplines.Emergency)) + "\n\n" + HelplineLines(language, country);
        return WithMenu(MessageFactory.Text(text), language, onlyEssentials: true);
    }

    private async Task WelcomeAsync(ITurnContext turnContext, ConversationData data, CancellationToken cancellationToken)
    {
        data.Welcomed = true;
        var turn = Turn(turnContext, data);
        await dialogs.StartAsync(turn, WelcomeFlow, cancellationToken).ConfigureAwait(false);
        await SendDialogAsync(turnContext, turn, cancellationToken).ConfigureAwait(false);
    }

    private DialogTurn Turn(ITurnContext turnContext, ConversationData data)
    {
        var guess = turnContext.TurnState.Get<string>(TurnKeys.CountryGuess);
        return new DialogTurn(data, TurnKeys.LanguageOf(turnContext), turnContext.Activity.ChannelId ?? string.Empty,
            turnContext.Activity.Conversation?.Id ?? string.Empty, content.Helplines.For(data.Country ?? guess).Emergency,
            content.Helplines.Knows(guess) ? guess : null)
        {
            Reference = Newtonsoft.Json.JsonConvert.SerializeObject(turnContext.Activity.GetConversationReference()),
        };
    }

    /// <summary>Sends what the flow said: helplines under the texts that ask for them, and on the last message the buttons.</summary>
    private async Task SendDialogAsync(ITurnContext turnContext, DialogTurn turn, CancellationToken cancellationToken)
    {
        if (turn.Queued is not null)
        {
            await MoveAsync(turnContext, turn.Data, HandoffStatuses.Queued, null, null, cancellationToken).ConfigureAwait(false);
        }

        if (turn.Data.Country is { } country)
        {
            turnContext.TurnState[TurnKeys.Country] = country;
        }

        var language = turn.Language;
        for (var i = 0; i < turn.Output.Count; i++)
        {
            var message = turn.Output[i];
            var text = message.Helplines is null ? message.Text : message.Text + "\n\n" + HelplineLines(language, turnContext.TurnState.Get<string>(TurnKeys.Country), message.Helplines);
            var reply = MessageFactory.Text(text);
            var last = i == turn.Output.Count - 1;
            if (message.ShowMenu)
            {
                reply = WithMenu(reply, language, onlyEssentials: false);
            }
            else if (turn.Queued is not null && last)
            {
                reply = WaitingReply(text, language);
            }
            else if (message.Buttons.Count > 0 || last)
            {
                // Every screen offers its answers, a person and a way out.
                reply = WithMenu(reply, language, onlyEssentials: true);
                var essentials = reply.SuggestedActions.Actions.Where(a => message.Buttons.All(b => b.Title != a.Title));
                reply.SuggestedActions.Actions = [.. message.Buttons.Select(b => Button(b.Title, b.Action, b.Argument)), .. essentials];
            }

            await turnContext.SendActivityAsync(reply, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task WhileWithTheHotlineAsync(ITurnContext turnContext, ConversationData data, string? action, CancellationToken cancellationToken)
    {
        var language = TurnKeys.LanguageOf(turnContext);
        var conversation = ConversationKey.For(turnContext).Value;
        if (data.Handoff.Status == HandoffStatuses.WithAgent)
        {
            // What they write is for the staff member: it is in the transcript, and the console shows it at once.
            var said = turnContext.Activity.Text ?? (action is null ? string.Empty : "[" + action + "]");
            await hotlineFeed.PersonWroteAsync(conversation, said, clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            return;
        }

        if (action == DialogEngine.CancelWaitAction)
        {
            await waitingRoom.RemoveAsync(conversation, cancellationToken).ConfigureAwait(false);
            await MoveAsync(turnContext, data, HandoffStatuses.Bot, "person", "cancelled", cancellationToken).ConfigureAwait(false);
            await SendAsync(turnContext, language, Text(language, "human.cancelled"), cancellationToken).ConfigureAwait(false);
            return;
        }

        var status = await waitingRoom.FindAsync(conversation, cancellationToken).ConfigureAwait(false);
        if (status is null or { State: WaitingStates.Dead })
        {
            // The waiting room lost it (its retention ran out, or supervisors hold it as a dead letter): never leave them waiting.
            await MoveAsync(turnContext, data, HandoffStatuses.Bot, null, "lost", cancellationToken).ConfigureAwait(false);
            await SendAsync(turnContext, language, HelplineText(turnContext, language, "human.unavailable"), cancellationToken).ConfigureAwait(false);
            return;
        }

        var place = status.Position ?? 1;
        var minutes = await handoff.EstimateMinutesAsync(place, cancellationToken).ConfigureAwait(false);
        var text = Text(language, "human.waiting", ("position", place.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("emergency", Emergency(turnContext)))
            + (minutes > 0 ? " " + content.Catalog.FormatPlural(language, "human.estimate", minutes) : string.Empty);
        await turnContext.SendActivityAsync(WaitingReply(text, language), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A message to someone in line: stop waiting, helplines, leave.</summary>
    public Activity WaitingReply(string text, string language)
    {
        var reply = WithMenu(MessageFactory.Text(text), language, onlyEssentials: true);
        reply.SuggestedActions.Actions = [Button(Text(language, "human.cancel"), DialogEngine.CancelWaitAction), .. reply.SuggestedActions.Actions.Where(a => (a.Value as JObject)?.Value<string>("action") != BotActions.Human)];
        return reply;
    }

    /// <summary>Records a change of owner and emits its handoff event to the hotline side.</summary>
    private async Task MoveAsync(ITurnContext turnContext, ConversationData data, string status, string? by, string? outcome, CancellationToken cancellationToken)
    {
        var from = data.Handoff.Status;
        data.Handoff.MoveTo(status, clock.GetUtcNow(), by, outcome);
        var conversation = ConversationKey.For(turnContext);
        if (status == HandoffStatuses.Queued)
        {
            var entries = await transcripts.ReadAsync(conversation, cancellationToken).ConfigureAwait(false);
            var transcript = new Transcript([.. entries.Where(e => e.Text is not null).Select(e => (Activity)MessageFactory.Text(e.Text))]);
            var context = new { language = data.Language, country = data.Country, crisis = data.Crisis, results = data.Results };
            handoffEvents.Emit(conversation.Value, EventFactory.CreateHandoffInitiation(turnContext, context, transcript));
        }
        else if (from == HandoffStatuses.Queued && status == HandoffStatuses.Bot)
        {
            handoffEvents.Emit(conversation.Value, EventFactory.CreateHandoffStatus(turnContext.Activity.Conversation, "failed", outcome));
        }
    }

    private async Task ExitAsync(ITurnContext turnContext, string language, CancellationToken cancellationToken)
    {
        // The closing line goes out first: erasing removes the channel's stream it would travel on.
        await turnContext.SendActivityAsync(MessageFactory.Text(Text(language, "exit.done")), cancellationToken).ConfigureAwait(false);
        await turnContext.SendActivityAsync(new Activity(ActivityTypes.EndOfConversation) { Code = EndOfConversationCodes.CompletedSuccessfully }, cancellationToken).ConfigureAwait(false);
        await eraser.EraseAsync(turnContext, cancellationToken).ConfigureAwait(false);
    }

    private async Task AskLanguageAsync(ITurnContext turnContext, string language, CancellationToken cancellationToken)
    {
        var reply = MessageFactory.Text(Text(language, "language.prompt"));
        reply.SuggestedActions = new SuggestedActions
        {
            Actions = [.. content.Catalog.Languages.Select(l => Button(l.NativeName, BotActions.SetLanguage, l.Code))],
        };
        reply.SuggestedActions.Actions.Add(Button(Text(language, "menu.human"), BotActions.Human));
        reply.SuggestedActions.Actions.Add(Button(Text(language, "menu.exit"), BotActions.Exit));
        await turnContext.SendActivityAsync(reply, cancellationToken).ConfigureAwait(false);
    }

    private async Task SendAsync(ITurnContext turnContext, string language, string text, CancellationToken cancellationToken) =>
        await turnContext.SendActivityAsync(WithMenu(MessageFactory.Text(text), language, onlyEssentials: false), cancellationToken).ConfigureAwait(false);

    private Activity WithMenu(Activity reply, string language, bool onlyEssentials)
    {
        var items = content.Menu.Items.Where(i => !onlyEssentials || i.Action is BotActions.Human or BotActions.Helplines or BotActions.Exit);
        reply.SuggestedActions = new SuggestedActions { Actions = [.. items.Select(i => Button(Text(language, i.TitleKey), i.Action))] };
        return reply;
    }

    private static CardAction Button(string title, string action, string? argument = null)
    {
        var value = new JObject { ["action"] = action };
        if (argument is not null)
        {
            value["argument"] = argument;
        }

        return new CardAction { Type = ActionTypes.MessageBack, Title = title, Text = title, DisplayText = title, Value = value };
    }

    private (string? Action, string? Argument) Recognise(IMessageActivity activity)
    {
        if (activity.Value is JObject value && value.Value<string>("action") is { Length: > 0 and <= 32 } action)
        {
            return (action, value.Value<string>("argument"));
        }

        var text = activity.Text?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > 64)
        {
            return (null, null);
        }

        var word = text.TrimStart('/').ToLowerInvariant();
        switch (word)
        {
            case "start" or "menu":
                return (BotActions.Menu, null);
            case "exit" or "quit" or "leave":
                return (BotActions.Exit, null);
            case "help":
                return (BotActions.Help, null);
            case "human" or "person":
                return (BotActions.Human, null);
            case "language" or "lang":
                return (BotActions.Language, null);
            case "cancel":
                return (DialogEngine.CancelWaitAction, null);
        }

        // A command word, a language's name or a button title, typed or tapped, in any language, with or without accents.
        return _typed.TryGetValue(AnswerRecognizer.Normalize(word), out var typed) ? typed : (null, null);
    }


    private static readonly (string Key, string Action)[] Commands =
    [
        ("command.human", BotActions.Human), ("command.exit", BotActions.Exit),
        ("command.help", BotActions.Help), ("command.menu", BotActions.Menu), ("command.language", BotActions.Language),
        ("command.cancel", DialogEngine.CancelWaitAction),
    ];

    /// <summary>Every word a person may type instead of tapping, in every language; built once, first one wins.</summary>
    private static FrozenDictionary<string, (string? Action, string? Argument)> TypedWords(BotContent content)
    {
        var words = new Dictionary<string, (string? Action, string? Argument)>(StringComparer.Ordinal);
        foreach (var language in content.Catalog.Languages)
        {
            foreach (var (key, action) in Commands)
            {
                words.TryAdd(AnswerRecognizer.Normalize(content.Catalog.Get(language.Code, key)), (action, null));
            }

            words.TryAdd(AnswerRecognizer.Normalize(language.NativeName), (BotActions.SetLanguage, language.Code));
            foreach (var item in content.Menu.Items)
            {
                words.TryAdd(AnswerRecognizer.Normalize(content.Catalog.Get(language.Code, item.TitleKey)), (item.Action, null));
            }
        }

        words.Remove(string.Empty);
        return words.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private string Emergency(ITurnContext turnContext) =>
        content.Helplines.For(turnContext.TurnState.Get<string>(TurnKeys.Country)).Emergency;

    private string HelplineText(ITurnContext turnContext, string language, string introKey, params (string Name, string Value)[] values) =>
        Text(language, introKey, values) + "\n\n" + HelplineLines(language, turnContext.TurnState.Get<string>(TurnKeys.Country));

    private string HelplineLines(string language, string? country, string which = "all")
    {
        var set = content.Helplines.For(country);
        var lines = set.Lines.Where(l => which == "all" || l.LabelKey == "helpline." + which).Select(l =>
            "• " + Text(language, l.LabelKey) + ": " + l.Contact
            + ((l.Name, l.Hours) switch
            {
                (null, null) => string.Empty,
                (null, { } hours) => " (" + hours + ")",
                ({ } name, null) => " (" + name + ")",
                ({ } name, { } hours) => " (" + name + ", " + hours + ")",
            }));
        return Text(language, "helplines.where", ("place", Text(language, set.NameKey))) + "\n"
            + Text(language, "helplines.emergency", ("emergency", set.Emergency)) + "\n"
            + string.Join("\n", lines) + "\n\n" + Text(language, "helplines.not_alone");
    }

    private string Text(string language, string key, params (string Name, string Value)[] values) =>
        content.Catalog.Format(language, key, values);
}
