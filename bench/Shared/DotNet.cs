namespace SafetyBot.Bench;

internal static class DotNet
{
    /// <summary>The <c>dotnet</c> executable that runs this driver (children run on the same runtime).</summary>
    public static string Muxer { get; } = Find();

    private static string Find()
    {
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return self;
        }

        foreach (var root in new[] { Environment.GetEnvironmentVariable("DOTNET_ROOT"), RuntimeRoot() })
        {
            if (root is not null && File.Exists(Path.Combine(root, "dotnet")))
            {
                return Path.Combine(root, "dotnet");
            }
        }

        return "dotnet";
    }

    // …/dotnet/shared/Microsoft.NETCore.App/10.0.x/ → …/dotnet
    private static string? RuntimeRoot() =>
        Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(
            System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory()))));
}
