using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using SafetyBot.Core.Handoff;
using SafetyBot.Core.Localization;
using SafetyBot.Testing;

namespace SafetyBot.Host.Tests;

/// <summary>Host processes killed in the middle of a handoff: nothing is lost, and the person is served after the restart.</summary>
public sealed partial class HandoffKillTests
{
    [Fact]
    public async Task AHostKilledWhileThePersonWaits_LosesNothing_AndThePersonIsServedAfterTheRestart()
    {
        var environment = await EnvironmentAsync();
        var settings = environment.ToDictionary(kv => kv.Key.Replace("__", ":", StringComparison.Ordinal), kv => (string?)kv.Value);
        settings["Handoff:ClaimLease"] = "00:01:00"; // this staff member's console stays open
        await using var staffHost = await TestHost.StartAsync(settings);
        var room = staffHost.Services.GetRequiredService<IWaitingRoom>();
        var desk = staffHost.Services.GetRequiredService<HotlineDesk>();
        var catalog = staffHost.Services.GetRequiredService<TextCatalog>();
        string T(string key) => catalog.Get("en", key).Split('{')[0];
        await room.SetPresenceAsync("amira", online: true, TimeSpan.FromMinutes(5));

        var (first, firstUrl) = await HostProcess.StartAsync(environment);
        string conversationId, token;
        try
        {
            await using var person = await DirectLineTestClient.StartAsync(firstUrl, "en");
            await person.NextBotMessageAsync(m => DirectLineTestClient.TextOf(m).StartsWith(T("welcome.safe_now"), StringComparison.Ordinal));
            await person.SayAsync(null, new { action = "human" });
            await person.NextBotMessageAsync(m => DirectLineTestClient.TextOf(m).StartsWith(T("human.queued"), StringComparison.Ordinal));
            await person.SayAsync("please, it's about photos of me");
            await person.NextBotMessageAsync(m => DirectLineTestClient.TextOf(m).StartsWith(T("human.waiting"), StringComparison.Ordinal));
            (conversationId, token) = (person.ConversationId, person.Token);
        }
        finally
        {
            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
        }

        var (second, secondUrl) = await HostProcess.StartAsync(environment);
        try
        {
            // Still in line after the kill; a staff member takes it, and the person, reconnected to the restarted host, is served.
            var waiting = Assert.Single(await room.ListAsync(), s => s.Entry.ConversationId == conversationId);
            Assert.Equal(WaitingStates.Waiting, waiting.State);
            await using var person = DirectLineTestClient.Attach(secondUrl, conversationId, token);
            var history = await person.GetActivitiesAsync();
            Assert.Contains(history["activities"]!.AsArray(), a => (string?)a!["text"] == "please, it's about photos of me");
            var reconnect = await person.SendAsync(HttpMethod.Get, $"v3/directline/conversations/{conversationId}?watermark={(string?)history["watermark"]}", null);
            await person.OpenStreamAsync((string)System.Text.Json.Nodes.JsonNode.Parse(await reconnect.Content.ReadAsStringAsync())!["streamUrl"]!);

            Assert.Equal(ClaimOutcome.Won, (await desk.ClaimAsync(waiting.Entry.Conversation, "amira")).Outcome);
            await person.NextBotMessageAsync(m => DirectLineTestClient.TextOf(m).StartsWith(T("human.joined"), StringComparison.Ordinal));
            await desk.SendAsync(waiting.Entry.Conversation, "amira", "I'm here. You did the right thing by writing.");
            await person.NextBotMessageAsync(m => DirectLineTestClient.TextOf(m) == "I'm here. You did the right thing by writing.");
        }
        finally
        {
            second.Kill(entireProcessTree: true);
            await second.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task TheStaffHostKilledWhileItHoldsTheConversation_PutsThePersonBackInLine_AndARestartedHostServesThem()
    {
        var environment = await EnvironmentAsync();
        environment["Staff__BootstrapAdmin__Username"] = "root";
        environment["Staff__BootstrapAdmin__Password"] = StaffAuthTests.AdminPassword;
        environment["Staff__PasswordIterations"] = "100000";
        var settings = environment.ToDictionary(kv => kv.Key.Replace("__", ":", StringComparison.Ordinal), kv => (string?)kv.Value);
        await using var personHost = await TestHost.StartAsync(settings);
        var catalog = personHost.Services.GetRequiredService<TextCatalog>();
        string T(string key) => catalog.Get("en", key).Split('{')[0];

        await using var person = await DirectLineTestClient.StartAsync(personHost.BaseUrl, "en");
        await person.NextBotMessageAsync(m => DirectLineTestClient.ButtonsOf(m).Count > 0);

        var (staffProcess, staffUrl) = await HostProcess.StartAsync(environment);
        string id;
        try
        {
            using var root = new StaffClient(staffUrl);
            Assert.True((await root.SignInAsync("root", StaffAuthTests.AdminPassword)).IsSuccessStatusCode);
            await root.SendAsync(HttpMethod.Post, "api/staff/presence", new { online = true });
            await person.SayAsync(null, new { action = "human" });
            await person.NextBotMessageAsync(m => DirectLineTestClient.TextOf(m).StartsWith(T("human.queued"), StringComparison.Ordinal));
            var queue = await StaffAuthTests.Json(await root.SendAsync(HttpMethod.Get, "api/staff/queue"));
            id = (string)queue["items"]!.AsArray().Single(i => (string?)i!["state"] == "waiting")!["id"]!;
            Assert.Equal(System.Net.HttpStatusCode.OK, (await root.SendAsync(HttpMethod.Post, $"api/staff/conversations/{id}/claim")).StatusCode);
            await person.NextBotMessageAsync(m => DirectLineTestClient.TextOf(m).StartsWith(T("human.joined"), StringComparison.Ordinal));
        }
        finally
        {
            staffProcess.Kill(entireProcessTree: true);
            await staffProcess.WaitForExitAsync();
        }

        // Nobody renews the claim now: it returns to the line, and the person is told so (by whichever host looks after the line).
        await person.NextBotMessageAsync(m => DirectLineTestClient.TextOf(m).StartsWith(T("human.requeued"), StringComparison.Ordinal), TimeSpan.FromSeconds(40));

        // The restarted host's staff member keeps the conversation for longer (a console would renew the claim).
        var (restarted, restartedUrl) = await HostProcess.StartAsync(new Dictionary<string, string>(environment) { ["Handoff__ClaimLease"] = "00:01:00" });
        try
        {
            using var root = new StaffClient(restartedUrl);
            Assert.True((await root.SignInAsync("root", StaffAuthTests.AdminPassword)).IsSuccessStatusCode);
            Assert.Equal(System.Net.HttpStatusCode.OK, (await root.SendAsync(HttpMethod.Post, $"api/staff/conversations/{id}/claim")).StatusCode);
            await person.NextBotMessageAsync(m => DirectLineTestClient.TextOf(m).StartsWith(T("human.joined"), StringComparison.Ordinal));
            var view = await StaffAuthTests.Json(await root.SendAsync(HttpMethod.Get, $"api/staff/conversations/{id}"));
            Assert.Contains(view["transcript"]!.AsArray(), l => ((string?)l!["text"])?.StartsWith(T("human.requeued"), StringComparison.Ordinal) == true);
            Assert.Equal(System.Net.HttpStatusCode.Accepted, (await root.SendAsync(HttpMethod.Post, $"api/staff/conversations/{id}/messages", new { text = "Sorry for the wait. I'm here now." })).StatusCode);
            await person.NextBotMessageAsync(m => DirectLineTestClient.TextOf(m) == "Sorry for the wait. I'm here now.");
        }
        finally
        {
            restarted.Kill(entireProcessTree: true);
            await restarted.WaitForExitAsync();
        }
    }

    private static async Task<Dictionary<string, string>> EnvironmentAsync() => new()
    {
        ["Redis__Configuration"] = await SharedRedis.ConfigurationAsync(),
        ["Redis__KeyPrefix"] = SharedRedis.NewPrefix(),
        ["DirectLine__TokenSigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        ["Transcripts__EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        ["Handoff__ClaimLease"] = "00:00:03",
        ["DirectLine__TokensPerIpPerMinute"] = "1000",
    };

}
