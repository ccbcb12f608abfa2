using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace SafetyBot.Telegram.Emulator.Tests;

/// <summary>A tiny loopback Kestrel endpoint standing in for the bot's webhook.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _failuresLeft;
    private int _failureStatus;

    private WebhookReceiver(WebApplication app) => _app = app;

    public string Url { get; private set; } = string.Empty;

    /// <summary>Every POST, in arrival order, failed ones included.</summary>
    public ConcurrentQueue<ReceivedUpdate> Received { get; } = new();

    /// <summary>Only the deliveries this endpoint accepted.</summary>
    public IReadOnlyList<ReceivedUpdate> Accepted => Received.Where(update => update.Status == 200).ToArray();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        receiver.Url = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single() + "/telegram/webhook";
        return receiver;
    }

    /// <summary>The next <paramref name="count"/> deliveries are refused with <paramref name="status"/>.</summary>
    public void FailNext(int count, int status = 500)
    {
        _failureStatus = status;
        Volatile.Write(ref _failuresLeft, count);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var status = Interlocked.Decrement(ref _failuresLeft) >= 0 ? _failureStatus : 200;
        Received.Enqueue(new ReceivedUpdate(
            context.Request.Method,
            context.Request.Path.Value ?? string.Empty,
            context.Request.Headers["X-Telegram-Bot-Api-Secret-Token"].ToString(),
            context.Request.ContentType ?? string.Empty,
            body,
            status));
        context.Response.StatusCode = status;
    }

    public sealed record ReceivedUpdate(string Method, string Path, string SecretToken, string ContentType, string Body, int Status);
}
