namespace SafetyBot.Bench.Load;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(BenchOptions.Usage);
            return args.Length == 0 ? 2 : 0;
        }

        try
        {
            return args[0] switch
            {
                "echo-server" => await EchoServer.RunAsync(args[1..]),
                "run" => await Driver.RunAsync(BenchOptions.Parse(args[1..])),
                _ => throw new BenchException($"Unknown mode '{args[0]}'.\n\n{BenchOptions.Usage}"),
            };
        }
        catch (BenchException ex)
        {
            await Console.Error.WriteLineAsync($"bench: {ex.Message}");
            return 2;
        }
    }
}
