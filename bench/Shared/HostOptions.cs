namespace SafetyBot.Bench;

/// <summary>The command-line options both drivers take for the SafetyBot host they run.</summary>
internal static class HostOptions
{
    /// <summary>The value of <c>--host-dll</c> as a full path; it must exist.</summary>
    public static string HostDll(string value)
    {
        var hostDll = Path.GetFullPath(value);
        if (!File.Exists(hostDll))
        {
            throw new BenchException($"--host-dll: {hostDll} does not exist.");
        }

        return hostDll;
    }

    /// <summary>The value of <c>--host-env</c>, <c>NAME=VALUE</c>, split at the first '='.</summary>
    public static KeyValuePair<string, string> HostEnvironment(string pair)
    {
        var equals = pair.IndexOf('=', StringComparison.Ordinal);
        if (equals < 1)
        {
            throw new BenchException($"--host-env takes NAME=VALUE, not '{pair}'.");
        }

        return new(pair[..equals], pair[(equals + 1)..]);
    }
}
