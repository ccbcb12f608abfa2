namespace SafetyBot.Bench;

/// <summary>A problem the driver reports in one sentence (bad option, missing tool, a child that did not start).</summary>
internal sealed class BenchException : Exception
{
    public BenchException(string message)
        : base(message)
    {
    }

    public BenchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public BenchException()
    {
    }
}
