using System.Text.Json.Nodes;
using SafetyBot.Core.Bot;

namespace SafetyBot.Core.Tests.Dialogs;

/// <summary>A copy of the shipped dialogs/ and localization/ folders in a temporary folder, to break on purpose.</summary>
internal sealed class ContentCopy : IDisposable
{
    public static readonly string ShippedRoot = BotContent.LocateRoot(null);

    private ContentCopy(string path) => Path = path;

    public string Path { get; }

    public static ContentCopy Create()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "safetybot-dialogs-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var folder in new[] { "dialogs", "dialogs/flows", "localization", "analysis" })
        {
            Directory.CreateDirectory(System.IO.Path.Combine(path, folder));
            foreach (var file in Directory.EnumerateFiles(System.IO.Path.Combine(ShippedRoot, folder), "*.json"))
            {
                File.Copy(file, System.IO.Path.Combine(path, folder, System.IO.Path.GetFileName(file)));
            }
        }

        return new ContentCopy(path);
    }

    public string FlowFile(string id) => System.IO.Path.Combine(Path, "dialogs", "flows", id + ".json");

    /// <summary>Reads a JSON file of the copy, lets the test change it, and writes it back.</summary>
    public void Edit(string relativePath, Action<JsonObject> change)
    {
        var file = System.IO.Path.Combine(Path, relativePath);
        var json = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        change(json);
        File.WriteAllText(file, json.ToJsonString());
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
