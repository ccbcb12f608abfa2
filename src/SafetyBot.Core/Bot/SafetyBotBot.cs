using System.Collections.Frozen;
using Microsoft.Bot.Builder;
using Microsoft.Bot.Schema;
using Newtonsoft.Json.Linq;
using SafetyBot.Core.Analysis;
using SafetyBot.Core.Conversations;
using SafetyBot.Core.Pipeline;

namespace SafetyBot.Core.Bot;

/// <summary>
/// The conversation itself: welcome, safety notice, main menu, helplines, language choice and quick exit.
/// Channel-neutral: it sees Bot Builder activities only.
/// </summary>
public sealed class SafetyBotBot(ConversationState conversationState, BotContent content, ConversationEraser eraser, SafetyAnalyzer analyzer) : ActivityHandler
{
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
            await SendAsync(turnContext, language, Text(language, "media.not_stored"), cancellationToken).ConfigureAwait(false);
            return;
        }

        var (action, argument) = Recognise(turnContext.Activity);

        // The crisis check runs on everything the person writes in their own words, before anything else:
        // danger now or thoughts of self-harm get the emergency number and helplines at once.
        if (action is null && turnContext.Activity.Text is { Length: > 0 } said)
        {
            var analysis = analyzer.Analyze(said, language, MessageRole.User);
            if (analysis.Crisis)
            {
                data.Welcomed = true;
                data.Crisis = true;
                var key = analysis.Has(SignalCategories.CrisisDanger) ? "crisis.danger" : "crisis.self_harm";
                var text = HelplineText(turnContext, language, key, ("emergency", Emergency(turnContext)));
                var crisisReply = WithMenu(MessageFactory.Text(text), language, onlyEssentials: true);
                crisisReply.Importance = ActivityImportance.High; // channels send it before anything else waiting
                await turnContext.SendActivityAsync(crisisReply, cancellationToken).ConfigureAwait(false);
                return;
            }
        }

        if (!data.Welcomed && action is null or BotActions.Menu)
        {
            await WelcomeAsync(turnContext, data, cancellationToken).ConfigureAwait(false);
            return;
        }

        data.Welcomed = true;
        switch (action)
        {
            case BotActions.Exit:
                await ExitAsync(turnContext, language, cancellationToken).ConfigureAwait(false);
                return;
            case BotActions.Menu:
                await SendAsync(turnContext, language, Text(language, content.Menu.PromptKey), cancellationToken).ConfigureAwait(false);
                return;
            case BotActions.Help:
                await SendAsync(turnContext, language, Text(language, "help.text", ("emergency", Emergency(turnContext))), cancellationToken).ConfigureAwait(false);
                return;
            case BotActions.Helplines:
                await SendAsync(turnContext, language, HelplineText(turnContext, language, "helplines.intro"), cancellationToken).ConfigureAwait(false);
                return;
            case BotActions.Language:
                await AskLanguageAsync(turnContext, language, cancellationToken).ConfigureAwait(false);
                return;
            case BotActions.SetLanguage when argument is not null && content.Catalog.Supports(argument):
                data.Language = argument;
                data.LanguageChosen = true;
                turnContext.TurnState[TurnKeys.Language] = argument;
                await SendAsync(turnContext, argument, Text(argument, "language.changed"), cancellationToken).ConfigureAwait(false);
                return;
            case BotActions.Human:
                await SendAsync(turnContext, language, HelplineText(turnContext, language, "human.not_yet"), cancellationToken).ConfigureAwait(false);
                return;
            case BotActions.SelfCheck or BotActions.CheckMessage or BotActions.Removal or BotActions.Sextortion:
                await SendAsync(turnContext, language, HelplineText(turnContext, language, "feature.not_yet"), cancellationToken).ConfigureAwait(false);
                return;
            default:
                // Not understood might be a crisis the check missed: the emergency number is always in this reply.
                await SendAsync(turnContext, language, Text(language, "fallback.not_understood", ("emergency", Emergency(turnContext))), cancellationToken).ConfigureAwait(false);
                return;
        }
    }

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
        var language = TurnKeys.LanguageOf(turnContext);
        var welcome = Text(language, "welcome.greeting") + "\n\n" + Text(language, "welcome.safety", ("emergency", Emergency(turnContext)));
        if (turnContext.Activity.ChannelId == "telegram")
        {
            // Said up front: quick exit cannot reach Telegram messages older than 48 hours.
            welcome += "\n\n" + Text(language, "telegram.exit_note");
        }

        await turnContext.SendActivityAsync(MessageFactory.Text(welcome), cancellationToken).ConfigureAwait(false);
        await SendAsync(turnContext, language, Text(language, content.Menu.PromptKey), cancellationToken).ConfigureAwait(false);
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
        }

        // A command word, a language's name or a button title, typed or tapped, in any language.
        return _typed.TryGetValue(text, out var typed) || _typed.TryGetValue(word, out typed) ? typed : (null, null);
    }


    private static readonly (string Key, string Action)[] Commands =
    [
        ("command.human", BotActions.Human), ("command.exit", BotActions.Exit),
        ("command.help", BotActions.Help), ("command.menu", BotActions.Menu),
    ];

    /// <summary>Every word a person may type instead of tapping, in every language; built once, first one wins.</summary>
    private static FrozenDictionary<string, (string? Action, string? Argument)> TypedWords(BotContent content)
    {
        var words = new Dictionary<string, (string? Action, string? Argument)>(StringComparer.OrdinalIgnoreCase);
        foreach (var language in content.Catalog.Languages)
        {
            foreach (var (key, action) in Commands)
            {
                words.TryAdd(content.Catalog.Get(language.Code, key), (action, null));
            }

            words.TryAdd(language.NativeName, (BotActions.SetLanguage, language.Code));
            foreach (var item in content.Menu.Items)
            {
                words.TryAdd(content.Catalog.Get(language.Code, item.TitleKey), (item.Action, null));
            }
        }

        return words.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    private string Emergency(ITurnContext turnContext) =>
        content.Helplines.For(turnContext.TurnState.Get<string>(TurnKeys.Country)).Emergency;

    private string HelplineText(ITurnContext turnContext, string language, string introKey, params (string Name, string Value)[] values) =>
        Text(language, introKey, values) + "\n\n" + HelplineLines(language, turnContext.TurnState.Get<string>(TurnKeys.Country));

    private string HelplineLines(string language, string? country)
    {
        var set = content.Helplines.For(country);
        var lines = set.Lines.Select(l =>
            "• " + Text(language, l.LabelKey) + ": " + l.Contact + (l.Name is null ? string.Empty : " (" + l.Name + ")"));
        return Text(language, "helplines.where", ("place", Text(language, set.NameKey))) + "\n"
            + Text(language, "helplines.emergency", ("emergency", set.Emergency)) + "\n"
            + string.Join("\n", lines) + "\n\n" + Text(language, "helplines.not_alone");
    }

    private string Text(string language, string key, params (string Name, string Value)[] values) =>
        content.Catalog.Format(language, key, values);
}
