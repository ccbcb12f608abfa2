using System.Text.Json;
using System.Text.Json.Serialization;
using SafetyBot.Core.Dialogs;
using SafetyBot.Core.Localization;

namespace SafetyBot.Core.Bot;

public sealed record MenuItem(
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("title")] string TitleKey,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("flow")] string? Flow = null);

/// <summary>The main menu, read from <c>dialogs/main-menu.json</c>: which actions it offers, in what order.</summary>
public sealed record MainMenu(
    [property: JsonPropertyName("prompt")] string PromptKey,
    [property: JsonPropertyName("items")] IReadOnlyList<MenuItem> Items)
{
    public const string Ready = "ready";
    public const string ComingSoon = "coming-soon";

    private static readonly HashSet<string> KnownActions = new(StringComparer.Ordinal)
    {
        BotActions.SelfCheck, BotActions.CheckMessage, BotActions.Removal, BotActions.Sextortion, BotActions.Human,
        BotActions.Helplines, BotActions.Language, BotActions.Exit, BotActions.JobOffer,
    };

    public static MainMenu Load(string file, TextCatalog catalog, FlowSet flows)
    {
        ArgumentNullException.ThrowIfNull(flows);
        ArgumentNullException.ThrowIfNull(catalog);
        MainMenu? menu;
        try
        {
            menu = JsonSerializer.Deserialize<MainMenu>(File.ReadAllText(file));
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            throw new ContentValidationException(file, $"cannot be read: {ex.Message}");
        }

        if (menu?.Items is null || menu.PromptKey is null)
        {
            throw new ContentValidationException(file, "needs \"prompt\" and \"items\"");
        }

        var keys = catalog.Keys.ToHashSet(StringComparer.Ordinal);
        if (!keys.Contains(menu.PromptKey))
        {
            throw new ContentValidationException(file, $"prompt: unknown text key '{menu.PromptKey}'");
        }

        for (var i = 0; i < menu.Items.Count; i++)
        {
            var item = menu.Items[i];
            if (item.Flow is not null && !flows.Contains(item.Flow))
            {
                throw new ContentValidationException(file, $"items[{i}].flow: no flow '{item.Flow}' in dialogs/flows");
            }

            if (item.Status == Ready && item.Flow is null && item.Action is not (BotActions.Language or BotActions.Exit))
            {
                throw new ContentValidationException(file, $"items[{i}]: a ready item other than language and exit names its flow");
            }

            if (!KnownActions.Contains(item.Action))
            {
                throw new ContentValidationException(file, $"items[{i}].action: unknown action '{item.Action}'");
            }

            if (!keys.Contains(item.TitleKey))
            {
                throw new ContentValidationException(file, $"items[{i}].title: unknown text key '{item.TitleKey}'");
            }

            if (item.Status is not (Ready or ComingSoon))
            {
                throw new ContentValidationException(file, $"items[{i}].status must be \"{Ready}\" or \"{ComingSoon}\"");
            }
        }

        if (!menu.Items.Any(i => i.Action == BotActions.Exit) || !menu.Items.Any(i => i.Action == BotActions.Human))
        {
            throw new ContentValidationException(file, "the menu must always offer a way to a person (human) and to leave (exit)");
        }

        return menu;
    }
}

/// <summary>Action ids carried by buttons (Direct Line <c>value.action</c>, later Telegram callback data).</summary>
public static class BotActions
{
    public const string Menu = "menu";
    public const string SelfCheck = "selfcheck";
    public const string CheckMessage = "checkmessage";
    public const string Removal = "removal";
    public const string Sextortion = "sextortion";
    public const string Human = "human";
    public const string Helplines = "helplines";
    public const string Language = "language";
    public const string SetLanguage = "setlanguage";
    public const string Exit = "exit";
    public const string Help = "help";
    public const string JobOffer = "joboffer";
}
