using SafetyBot.Core.Dialogs;
using SafetyBot.Core.Helplines;
using SafetyBot.Core.Localization;

namespace SafetyBot.Core.Bot;

public sealed class ContentOptions
{
    public const string SectionName = "Content";

    /// <summary>Folder holding <c>dialogs/</c> and <c>localization/</c>; empty means next to the program.</summary>
    public string? Root { get; set; }
}

/// <summary>Everything the bot says and offers, loaded and validated once at start-up.</summary>
public sealed record BotContent(TextCatalog Catalog, HelplineDirectory Helplines, MainMenu Menu, FlowSet Flows)
{
    public static BotContent Load(string root)
    {
        var catalog = TextCatalog.Load(Path.Combine(root, "localization"));
        var helplines = HelplineDirectory.Load(Path.Combine(root, "localization", "helplines.json"), catalog);
        var flows = FlowSet.Load(Path.Combine(root, "dialogs", "flows"), catalog);
        var menu = MainMenu.Load(Path.Combine(root, "dialogs", "main-menu.json"), catalog, flows);
        return new BotContent(catalog, helplines, menu, flows);
    }

    /// <summary>The content folder next to the program, or the repository's when run from a source tree.</summary>
    public static string LocateRoot(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "localization")) && Directory.Exists(Path.Combine(dir.FullName, "dialogs")))
            {
                return dir.FullName;
            }
        }

        throw new ContentValidationException(AppContext.BaseDirectory, "no dialogs/ and localization/ folders found; set Content__Root");
    }
}
