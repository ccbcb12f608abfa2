using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace SafetyBot.Bench;

/// <summary>
/// A dedicated Debian redis-server for one run: free loopback port, its own temporary directory, no
/// persistence (<c>--save '' --appendonly no</c>), killed with the run.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    public const string Executable = "/usr/bin/redis-server";

    private RedisServer(int port, string directory, ChildProcess process)
    {
        Port = port;
        Directory = directory;
        Process = process;
    }

    public int Port { get; }

    public string Directory { get; }

    public ChildProcess Process { get; }

    public string Configuration => "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    public static async Task<RedisServer> StartAsync(string workspace, CancellationToken cancellationToken)
    {
        if (!File.Exists(Executable))
        {
            // Each driver checks this up front with its own advice (the load driver can leave Redis out); this is the backstop.
            throw new BenchException(
                $"redis-server is not installed at {Executable}: install Debian's with `apt-get update && apt-get install -y redis-server`.");
        }

        var port = Ports.Free();
        var directory = System.IO.Directory.CreateDirectory(Path.Combine(workspace, "redis-" + port.ToString(CultureInfo.InvariantCulture))).FullName;
        var process = ChildProcess.Start("redis-server", Executable,
        [
            "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory,
            "--save", string.Empty, "--appendonly", "no", "--protected-mode", "yes", "--daemonize", "no",
        ], workingDirectory: directory);
        var server = new RedisServer(port, directory, process);
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (process.HasExited)
                {
                    throw new BenchException($"redis-server exited at start (code {process.ExitCode}):\n{process.Tail()}");
                }

                try
                {
                    if ((await server.CommandAsync("PING")).StartsWith("PONG", StringComparison.Ordinal))
                    {
                        return server;
                    }
                }
                catch (Exception ex) when (ex is SocketException or IOException)
                {
                    // Not listening yet.
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new BenchException($"redis-server did not answer PING on port {port} within 15 s:\n{process.Tail()}");
                }

                await Task.Delay(50, cancellationToken);
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends one command on a fresh connection and returns the reply as text (status, integer or bulk string).</summary>
    public async Task<string> CommandAsync(params string[] arguments)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await client.ConnectAsync("127.0.0.1", Port, timeout.Token);
        var stream = client.GetStream();
        var request = new StringBuilder();
        request.Append('*').Append(arguments.Length).Append("\r\n");
        foreach (var argument in arguments)
        {
            request.Append('$').Append(Encoding.UTF8.GetByteCount(argument)).Append("\r\n").Append(argument).Append("\r\n");
        }

        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()), timeout.Token);

        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while (true)
        {
            var read = await stream.ReadAsync(chunk, timeout.Token);
            if (read == 0)
            {
                throw new IOException("Redis closed the connection before replying.");
            }

            buffer.Write(chunk, 0, read);
            if (TryParseReply(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), out var reply))
            {
                return reply;
            }
        }
    }

    /// <summary>Calls per command since the server started, from <c>INFO commandstats</c>.</summary>
    public async Task<Dictionary<string, long>> CommandCallsAsync()
    {
        var info = await CommandAsync("INFO", "commandstats");
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in info.Split('\n', StringSplitOptions.TrimEntries))
        {
            // cmdstat_evalsha:calls=123,usec=456,usec_per_call=3.7,...
            if (!line.StartsWith("cmdstat_", StringComparison.Ordinal))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = line[(colon + 1)..].Split(',').First(f => f.StartsWith("calls=", StringComparison.Ordinal));
            calls[line["cmdstat_".Length..colon]] = long.Parse(field["calls=".Length..], CultureInfo.InvariantCulture);
        }

        return calls;
    }

    public async Task<long> UsedMemoryBytesAsync()
    {
        var info = await CommandAsync("INFO", "memory");
        var line = info.Split('\n', StringSplitOptions.TrimEntries).FirstOrDefault(l => l.StartsWith("used_memory:", StringComparison.Ordinal));
        return line is null ? -1 : long.Parse(line["used_memory:".Length..], CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // The workspace is removed at the end anyway.
        }
    }

    private static bool TryParseReply(ReadOnlySpan<byte> data, out string reply)
    {
        reply = string.Empty;
        var lineEnd = data.IndexOf("\r\n"u8);
        if (lineEnd < 0)
        {
            return false;
        }

        var header = Encoding.UTF8.GetString(data[1..lineEnd]);
        switch ((char)data[0])
        {
            case '+':
            case ':':
                reply = header;
                return true;
            case '-':
                throw new IOException("Redis error: " + header);
            case '$':
                var length = int.Parse(header, CultureInfo.InvariantCulture);
                if (length < 0)
                {
                    return true;
                }

                if (data.Length < lineEnd + 2 + length + 2)
                {
                    return false;
                }

                reply = Encoding.UTF8.GetString(data.Slice(lineEnd + 2, length));
                return true;
            default:
                throw new IOException("Unexpected Redis reply type '" + (char)data[0] + "'.");
        }
    }
}
