using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace SafetyBot.Bench.Load;

/// <summary>
/// The baseline: bare Kestrel with Direct Line's shape (HTTP in, WebSocket out) and nothing else: no
/// authentication, no state, no storage, no bot. <c>POST /echo/{id}</c> pushes its body on the WebSocket
/// <c>GET /echo/{id}/stream</c> opened for that id.
/// </summary>
internal static class EchoServer
{
    private const int MaxBodyBytes = 64 * 1024;

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrel(kestrel => kestrel.AddServerHeader = false);
        var app = builder.Build();
        var sockets = new ConcurrentDictionary<string, EchoSocket>(StringComparer.Ordinal);

        // Same keep-alive as the SafetyBot host, so idle sockets cost the same timers.
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });

        app.MapGet("/healthz", () => "ok");

        app.MapPost("/echo/{id}", async (HttpContext context, string id) =>
        {
            var length = context.Request.ContentLength ?? -1;
            if (length is < 0 or > MaxBodyBytes)
            {
                return Results.StatusCode(length < 0 ? StatusCodes.Status411LengthRequired : StatusCodes.Status413PayloadTooLarge);
            }

            var body = new byte[length];
            await context.Request.Body.ReadExactlyAsync(body, context.RequestAborted);
            if (!sockets.TryGetValue(id, out var socket))
            {
                return Results.NotFound();
            }

            await socket.SendAsync(body, context.RequestAborted);
            return Results.Text("{\"ok\":true}", "application/json");
        });

        app.Map("/echo/{id}/stream", async (HttpContext context, string id) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            using var webSocket = await context.WebSockets.AcceptWebSocketAsync();
            using var socket = new EchoSocket(webSocket);
            sockets[id] = socket;
            try
            {
                var buffer = new byte[256];
                while (true)
                {
                    var received = await webSocket.ReceiveAsync(buffer.AsMemory(), context.RequestAborted);
                    if (received.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // The client went away.
            }
            finally
            {
                sockets.TryRemove(new KeyValuePair<string, EchoSocket>(id, socket));
                await socket.CloseAsync();
            }
        });

        await app.RunAsync();
        return 0;
    }

    /// <summary>One stream; a WebSocket allows one send at a time.</summary>
    private sealed class EchoSocket(WebSocket socket) : IDisposable
    {
        private readonly SemaphoreSlim _sending = new(1, 1);

        public void Dispose() => _sending.Dispose();

        public async Task SendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
        {
            try
            {
                await _sending.WaitAsync(cancellationToken);
            }
            catch (ObjectDisposedException)
            {
                // The stream ended while this POST was on its way.
                return;
            }

            try
            {
                await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            }
            catch (WebSocketException)
            {
                // The stream closed under us; the client sees no echo and counts it.
            }
            finally
            {
                try
                {
                    _sending.Release();
                }
                catch (ObjectDisposedException)
                {
                    // The stream ended during the send.
                }
            }
        }

        public async Task CloseAsync()
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
                {
                    // Best effort.
                }
            }
        }
    }
}
