using System.Net;
using System.Net.Sockets;

namespace SafetyBot.Bench;

internal static class Ports
{
    /// <summary>A loopback port free right now (the OS picks it; the child binds it moments later).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
