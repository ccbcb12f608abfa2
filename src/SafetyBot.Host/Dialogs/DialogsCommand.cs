using System.Globalization;
using System.Text.Json;
using SafetyBot.Core.Bot;
using SafetyBot.Core.Dialogs;
using SafetyBot.Core.Helplines;
using SafetyBot.Core.Localization;

namespace SafetyBot.Host.Dialogs;

/// <summary>
/// <c>dialogs check</c>: reads every flow, language and helpline file the way start-up does, and prints what a
/// hotline needs to know: the flows, a coverage table of languages × text groups with each language's review
/// status, and the helplines still waiting to be verified. A broken file is named with its path and reason.
/// </summary>
public static class DialogsCommand
{
    public const string Usage = """
        Usage: SafetyBot.Host dialogs check
          Checks dialogs/flows/*.json, dialogs/main-menu.json, localization/*.json and localization/helplines.json
          (the folder comes from Content__Root, or the one next to the program) and prints a coverage table.
          Exit code 0 when everything is valid, 1 when a file is broken, 2 on a usage error.
        """;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (args is not ["check"])
        {
            error.WriteLine(Usage);
            return 2;
        }

        string root;
        try
        {
            root = BotContent.LocateRoot(Environment.GetEnvironmentVariable("Content__Root"));
        }
        catch (ContentValidationException ex)
        {
            error.WriteLine($"BROKEN {ex.File}: {ex.Reason}");
            return 1;
        }

        // The coverage table is read from the raw language files, so it shows the gaps even when a file is broken.
        PrintCoverage(Path.Combine(root, "localization"), output);
        try
        {
            var content = BotContent.Load(root);
            Print(content, root, output);
            return 0;
        }
        catch (ContentValidationException ex)
        {
            error.WriteLine($"BROKEN {ex.File}");
            error.WriteLine($"  {ex.Reason}");
            return 1;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            error.WriteLine($"BROKEN {ex.Message}");
            return 1;
        }
    }

    private static void Print(BotContent content, string root, TextWriter output)
    {
        var catalog = content.Catalog;
        output.WriteLine();
        output.WriteLine($"OK: every flow, language and helpline file in {root} is valid.");
        output.WriteLine();
        output.WriteLine("Flows (dialogs/flows):");
        foreach (var flow in content.Flows.Flows.OrderBy(f => f.Id, StringComparer.Ordinal))
        {
            var questions = flow.Nodes.Values.Count(n => n.Type == NodeType.Ask);
            var callers = content.Flows.Flows.Where(f => f.Nodes.Values.Any(n => n.Type == NodeType.Call && n.Flow == flow.Id)).Select(f => f.Id).Order(StringComparer.Ordinal).ToList();
            var inMenu = string.Join("; ", new[]
            {
                content.Menu.Items.Any(i => i.Flow == flow.Id) ? "in the menu" : null,
                flow.Id == "welcome" ? "first contact" : null,
                callers.Count > 0 ? "called by " + string.Join(", ", callers) : null,
            }.Where(p => p is not null));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {flow.Id,-14} version {flow.Version,-3} {flow.Nodes.Count,3} steps, {questions,2} questions, {inMenu}"));
        }

        output.WriteLine();
        output.WriteLine("Languages (localization):");
        foreach (var language in catalog.Languages)
        {
            var review = language.Review == "native-reviewed" ? $"native-reviewed {language.LastReviewed}" : "DRAFT: needs review by a native speaker";
            output.WriteLine($"  {language.Code}  {language.Name,-11} {language.Direction}  {review}");
        }

        var used = content.Flows.TextKeys().ToHashSet(StringComparer.Ordinal);
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"The flows use {used.Count} of the {catalog.Keys.Count()} texts."));

        output.WriteLine();
        var unverified = content.Helplines.Unverified;
        output.WriteLine(unverified.Count == 0
            ? "Helplines: every entry is verified."
            : string.Create(CultureInfo.InvariantCulture, $"Helplines waiting for verification (not shown to anyone until 'verified' is true): {unverified.Count}"));
        foreach (var (where, line) in unverified)
        {
            output.WriteLine($"  {where,-16} {line.Contact,-16} {line.Name ?? string.Empty}  check at {line.Source}");
        }
    }

    /// <summary>Languages × groups of keys (the part before the first dot): texts present / texts needed.</summary>
    private static void PrintCoverage(string folder, TextWriter output)
    {
        static HashSet<string>? Keys(string file)
        {
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllText(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
                return document.RootElement.ValueKind == JsonValueKind.Object
                    ? document.RootElement.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String && p.Value.GetString()!.Trim().Length > 0)
                        .Select(p => p.Name).ToHashSet(StringComparer.Ordinal)
                    : null;
            }
            catch (Exception ex) when (ex is JsonException or IOException)
            {
                return null;
            }
        }

        var english = Keys(Path.Combine(folder, TextCatalog.DefaultLanguage + ".json")) ?? [];
        var needed = english.Select(k => PluralRules.Split(k).Base).Distinct(StringComparer.Ordinal).ToList();
        var plural = english.Where(k => PluralRules.Split(k).Category is not null).Select(k => PluralRules.Split(k).Base).ToHashSet(StringComparer.Ordinal);
        var files = Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*.json").Where(f => Path.GetFileNameWithoutExtension(f).Length is 2 or 3).Order(StringComparer.Ordinal).ToList()
            : [];
        var languages = files.Select(f => (Code: Path.GetFileNameWithoutExtension(f), Keys: Keys(f))).ToList();

        output.WriteLine("Coverage (texts present / texts needed, per group of keys; ! marks a gap):");
        output.WriteLine("  " + "group".PadRight(14) + string.Concat(languages.Select(l => l.Code.PadLeft(8))));
        foreach (var group in needed.GroupBy(k => k.Split('.')[0], StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var cells = languages.Select(l =>
            {
                if (l.Keys is null)
                {
                    return "unread".PadLeft(8);
                }

                var present = group.Count(key => plural.Contains(key)
                    ? PluralRules.Categories(l.Code).All(c => l.Keys.Contains(key + "_" + c))
                    : l.Keys.Contains(key));
                return (present == group.Count() ? string.Empty : "!") + string.Create(CultureInfo.InvariantCulture, $"{present}/{group.Count()}");
            });
            output.WriteLine("  " + group.Key.PadRight(14) + string.Concat(cells.Select(c => c.PadLeft(8))));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {needed.Count} texts are needed in each language."));
    }
}
