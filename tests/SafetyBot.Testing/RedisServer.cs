using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SafetyBot.Testing;

/// <summary>
/// A real redis-server process on loopback, for tests. Fails loudly when redis-server is not installed:
/// run ./eng/test.sh, which installs and starts what the tests need.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private Process? _process;

    private RedisServer(int port, string directory)
    {
        Port = port;
        Directory = directory;
    }

    public int Port { get; }

    public string Directory { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "safetybot-redis-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(directory);
        var server = new RedisServer(FreePort(), directory);
        await server.StartProcessAsync();
        return server;
    }

    public static string Executable()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Append("/usr/bin").Append("/usr/sbin"))
        {
            var candidate = Path.Combine(dir, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "redis-server is not installed, and these tests need a real Redis. Run ./eng/test.sh (it installs Debian's redis-server), or `apt-get install -y redis-server`.");
    }

    /// <summary>Stops the server the way an outage looks to clients; with save, the data is kept for a restart.</summary>
    public async Task StopAsync(bool save)
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            await SendAsync(save ? "SHUTDOWN SAVE" : "SHUTDOWN NOSAVE");
        }
        catch (IOException)
        {
        }
        catch (SocketException)
        {
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(timeout.Token);
        _process.Dispose();
        _process = null;
    }

    public Task RestartAsync() => StartProcessAsync();

    public async Task<string> SendAsync(string command)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(command + "\r\n"));
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer);
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task StartProcessAsync()
    {
        var info = new ProcessStartInfo(Executable())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     "--port", Port.ToString(), "--bind", "127.0.0.1", "--dir", Directory, "--dbfilename", "dump.rdb",
                     "--save", string.Empty, "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes",
                 })
        {
            info.ArgumentList.Add(arg);
        }

        _process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if ((await SendAsync("PING")).StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (SocketException)
            {
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with code {_process.ExitCode} on port {Port}.");
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException($"redis-server did not answer PING on port {Port} within 15 seconds.");
    }
}

/// <summary>
/// The Redis shared by a test run: the one named by SAFETYBOT_TEST_REDIS (started by ./eng/test.sh), else a
/// redis-server this process starts. Each test uses its own key prefix, so tests can run in parallel.
/// </summary>
public static class SharedRedis
{
    private static readonly Lazy<Task<string>> Server = new(StartAsync);

    public static Task<string> ConfigurationAsync() => Server.Value;

    public static string NewPrefix() => "t:" + Guid.NewGuid().ToString("N")[..12] + ":";

    private static async Task<string> StartAsync()
    {
        var configured = Environment.GetEnvironmentVariable("SAFETYBOT_TEST_REDIS");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        var server = await RedisServer.StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server.Configuration;
    }
}
