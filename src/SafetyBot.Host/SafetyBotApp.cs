using SafetyBot.Host.Hotline;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SafetyBot.Channels.Telegram;
using SafetyBot.Channels.WebChat.DirectLine;
using SafetyBot.Channels.WebChat.Widget;
using SafetyBot.Core;
using SafetyBot.Core.Analysis;
using SafetyBot.Core.Bot;
using SafetyBot.Host.Analysis;
using SafetyBot.Host.Staff;
using SafetyBot.Redis;

namespace SafetyBot.Host;

/// <summary>Composition of the SafetyBot host: what runs, in what order. Used by Program and by end-to-end tests.</summary>
public static class SafetyBotApp
{
    public static WebApplication Build(string[] args, IDictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.WebHost.UseKestrel(kestrel => kestrel.AddServerHeader = false);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));

        var safetyBot = builder.Services.AddSafetyBotCore()
            .AddWebChatChannel()
            .AddWebChatWidget();
        builder.Services.AddAnalyzeApi();
        builder.Services.AddHostedService<HandoffSweeper>();
        var useRedis = !string.IsNullOrWhiteSpace(builder.Configuration["Redis:Configuration"]);
        if (useRedis)
        {
            safetyBot.AddSafetyBotRedis();
            builder.Services.AddHostedService<RedisStartup>();
        }
        else
        {
            builder.Services.AddHealthChecks().AddCheck("storage", () => HealthCheckResult.Healthy("In-process storage."), tags: ["ready"]);
        }

        safetyBot.AddStaffConsole();
        builder.Services.AddHotline();
        var signalR = builder.Services.AddSignalR();
        if (useRedis)
        {
            // Consoles on every host hear what happens on any host: SignalR's Redis backplane on the host's own connection.
            signalR.AddStackExchangeRedis();
            builder.Services.AddOptions<Microsoft.AspNetCore.SignalR.StackExchangeRedis.RedisOptions>().Configure<RedisConnection>((options, redis) =>
            {
                options.ConnectionFactory = _ => Task.FromResult(redis.Multiplexer);
                options.Configuration.ChannelPrefix = StackExchange.Redis.RedisChannel.Literal(redis.Prefix + "signalr:");
            });
        }

        if (!string.IsNullOrWhiteSpace(builder.Configuration["Telegram:BotToken"]))
        {
            safetyBot.AddTelegramChannel();
        }

        configure?.Invoke(builder);
        var app = builder.Build();

        // Fail at start-up, with the setting named, rather than on the first person's message.
        _ = app.Services.GetRequiredService<BotContent>();
        _ = app.Services.GetRequiredService<SafetyAnalyzer>();
        _ = app.Services.GetRequiredService<SafetyBot.Core.Transcripts.TranscriptCipher>();
        _ = app.Services.GetRequiredService<DirectLineTokens>();
        if (useRedis)
        {
            _ = app.Services.GetRequiredService<RedisConnection>();
        }

        _ = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<StaffOptions>>().Value;

        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.UseCors();
        app.UseRateLimiter();
        app.UseStaffConsole();

        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        app.MapDirectLineEndpoints();
        app.MapWebChatWidget();
        app.MapAnalyzeApi();
        app.MapTelegramWebhook();
        app.MapStaffEndpoints();
        app.MapConsolePages();
        app.MapHotline();
        app.MapOpenApi();

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            if (!useRedis)
            {
                Console.WriteLine("Storage is in process: for development or a single host. Conversations are lost when it stops; set Redis__Configuration for production.");
            }

            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            foreach (var address in addresses)
            {
                Console.WriteLine($"SafetyBot is running: open {address}/ to try the web chat ({(useRedis ? "Redis" : "in-process")} storage).");
            }
        });
        return app;
    }

    /// <summary>Listens for other hosts' activity notifications before serving traffic.</summary>
    private sealed class RedisStartup(RedisActivityStreamStore streams) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => streams.EnsureSubscribedAsync();

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
