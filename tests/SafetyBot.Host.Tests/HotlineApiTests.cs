using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SafetyBot.Core.Localization;
using SafetyBot.Host.Staff;
using SafetyBot.Testing;

namespace SafetyBot.Host.Tests;

/// <summary>
/// The hotline API and its live line, on two hosts sharing Redis: the person chats through host A, the staff work on
/// host B over HTTP (session cookie, CSRF token) and SignalR.
/// </summary>
public sealed class HotlineApiTests
{
    internal static async Task<Dictionary<string, string?>> SettingsAsync() => StaffAuthTests.Settings(new()
    {
        ["Redis:Configuration"] = await SharedRedis.ConfigurationAsync(),
        ["Redis:KeyPrefix"] = SharedRedis.NewPrefix(),
        ["DirectLine:TokenSigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        ["Transcripts:EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        ["DirectLine:TokensPerIpPerMinute"] = "1000",
    });

    /// <summary>The console's live line, as a staff member's browser opens it (WebSockets, with the session cookie).</summary>
    internal static HubConnection LiveLine(Uri baseUrl, StaffClient staff) =>
        new HubConnectionBuilder().WithUrl(new Uri(baseUrl, "console/hub"), options =>
        {
            options.Transports = HttpTransportType.WebSockets;
            options.SkipNegotiation = true;
            options.Headers["Cookie"] = $"{StaffAuthentication.CookieName}={staff.Cookie}";
        }).Build();

    [Fact]
    public async Task StaffOnHostB_SeeThePersonFromHostA_Live_TakeItAtomically_AndTalkBothWays()
    {
        var settings = await SettingsAsync();
        await using var hostA = await TestHost.StartAsync(settings);
        await using var hostB = await TestHost.StartAsync(settings);
        var catalog = hostA.Services.GetRequiredService<TextCatalog>();
        string T(string key) => catalog.Get("uk", key).Split('{')[0];

        using var root = await StaffClient.SignedInAsync(hostB, "root", StaffAuthTests.AdminPassword);
        await root.CreateAccountAsync("amira", "agent", "amira's long passphrase");
        await root.CreateAccountAsync("boris", "agent", "boris's long passphrase");
        using var amira = await StaffClient.SignedInAsync(hostB, "amira", "amira's long passphrase");
        using var boris = await StaffClient.SignedInAsync(hostB, "boris", "boris's long passphrase");
        Assert.Equal(HttpStatusCode.NoContent, (await amira.SendAsync(HttpMethod.Post, "api/staff/presence", new { online = true })).StatusCode);

        await using var live = LiveLine(hostB.BaseUrl, amira);
        var queues = System.Threading.Channels.Channel.CreateUnbounded<JsonArray>();
        var messages = System.Threading.Channels.Channel.CreateUnbounded<JsonObject>();
        live.On<JsonArray>("queue", q => queues.Writer.TryWrite(q));
        live.On<JsonObject>("message", m => messages.Writer.TryWrite(m));
        await live.StartAsync();

        // The person asks for a person on host A; the queue on host B shows them, live, with what staff need to route.
        await using var person = await DirectLineTestClient.StartAsync(hostA.BaseUrl, "uk-UA");
        await person.NextBotMessageAsync(m => DirectLineTestClient.ButtonsOf(m).Count > 0);
        await person.SayAsync(null, new { action = "human" });
        await person.NextBotMessageAsync(m => DirectLineTestClient.TextOf(m).StartsWith(T("human.queued"), StringComparison.Ordinal));
        JsonObject row;
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            while (true)
            {
                var queue = await queues.Reader.ReadAsync(wait.Token);
                if (queue.Select(i => i!.AsObject()).FirstOrDefault(i => (string?)i["state"] == "waiting") is { } found)
                {
                    row = found;
                    break;
                }
            }
        }

        Assert.Equal(("uk", "directline", "other", 1), ((string?)row["language"], (string?)row["channel"], (string?)row["band"], (int?)row["position"]));
        var id = (string)row["id"]!;
        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.DoesNotContain(person.ConversationId, row.ToJsonString(), StringComparison.Ordinal);

        // Two staff members click "Take" at once: one gets it, the other is told who did.
        var claims = await Task.WhenAll(
            amira.SendAsync(HttpMethod.Post, $"api/staff/conversations/{id}/claim"),
            boris.SendAsync(HttpMethod.Post, $"api/staff/conversations/{id}/claim"));
        Assert.Single(claims, c => c.StatusCode == HttpStatusCode.OK);
        var lost = Assert.Single(claims, c => c.StatusCode == HttpStatusCode.Conflict);
        var (winner, loser) = claims[0].StatusCode == HttpStatusCode.OK ? (amira, boris) : (boris, amira);
        var winnerName = winner == amira ? "amira" : "boris";
        Assert.Contains(winnerName, (string?)(await StaffAuthTests.Json(lost))["error"]!["message"], StringComparison.Ordinal);
        await person.NextBotMessageAsync(m => DirectLineTestClient.TextOf(m).StartsWith(T("human.joined"), StringComparison.Ordinal));

        // The staff member holding it sees the whole transcript, bot turns included; the other does not.
        var view = await StaffAuthTests.Json(await winner.SendAsync(HttpMethod.Get, $"api/staff/conversations/{id}"));
        Assert.Contains(view["transcript"]!.AsArray(), l => (string?)l!["role"] == "bot" && ((string?)l["text"])!.StartsWith(T("welcome.greeting"), StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await loser.SendAsync(HttpMethod.Get, $"api/staff/conversations/{id}")).StatusCode);
        var canned = await StaffAuthTests.Json(await winner.SendAsync(HttpMethod.Get, $"api/staff/conversations/{id}/canned"));
        Assert.Equal("uk", (string?)canned["language"]);
        Assert.Contains(canned["replies"]!.AsArray(), r => (string?)r!["text"] == catalog.Format("uk", "canned.not_your_fault"));

        // Staff → person: plain text through the person's own channel; refused for the one who does not hold it, and without CSRF.
        Assert.Equal(HttpStatusCode.Accepted, (await winner.SendAsync(HttpMethod.Post, $"api/staff/conversations/{id}/messages", new { text = "Привіт, я тут. <script>x</script>" })).StatusCode);
        Assert.Equal("Привіт, я тут. <script>x</script>", DirectLineTestClient.TextOf(await person.NextBotMessageAsync()));
        Assert.Equal(HttpStatusCode.Forbidden, (await loser.SendAsync(HttpMethod.Post, $"api/staff/conversations/{id}/messages", new { text = "hi" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await winner.SendAsync(HttpMethod.Post, $"api/staff/conversations/{id}/messages", new { text = "hi" }, csrfToken: string.Empty)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await winner.SendAsync(HttpMethod.Post, $"api/staff/conversations/{id}/messages", new { text = new string('a', 4001) })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await winner.SendAsync(HttpMethod.Post, $"api/staff/conversations/{new string('0', 32)}/messages", new { text = "hi" })).StatusCode);

        // Person → staff, live on the console of the other host.
        if (winner == amira)
        {
            await live.InvokeAsync("Watch", id);
        }
        else
        {
            await using var borisLive = LiveLine(hostB.BaseUrl, boris);
            await borisLive.StartAsync();
            await borisLive.InvokeAsync("Watch", id);
            await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => live.InvokeAsync("Watch", id));
            borisLive.On<JsonObject>("message", m => messages.Writer.TryWrite(m));
            await person.SayAsync("він каже, що опублікує мої фото");
            var relayed = await messages.Reader.ReadAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
            Assert.Equal("він каже, що опублікує мої фото", (string?)relayed["text"]);
            await FinishAsync(winner, id, person, T);
            return;
        }

        await person.SayAsync("він каже, що опублікує мої фото");
        var message = await messages.Reader.ReadAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        Assert.Equal(("user", "він каже, що опублікує мої фото"), ((string?)message["role"], (string?)message["text"]));
        await FinishAsync(winner, id, person, T);
    }

    [Fact]
    public async Task Console_InChromium_ShowsTheQueuedPersonWithoutReload_TakesIt_AndTheReplyReachesTheWidget()
    {
        await using var host = await TestHost.StartAsync(StaffAuthTests.Settings(new() { ["DirectLine:TokensPerIpPerMinute"] = "1000" }));

        var result = await NodeScript.RunAsync("console-check.mjs", host.BaseUrl, new Dictionary<string, string>
        {
            ["STAFF_USERNAME"] = "root",
            ["STAFF_PASSWORD"] = StaffAuthTests.AdminPassword,
        });

        Assert.Equal(
            ["staff-signed-in", "person-asks-for-a-person", "queue-updates-without-reload", "staff-takes-it", "staff-reply-reaches-the-widget", "person-reply-reaches-the-console"],
            result["checks"]!.AsArray().Select(c => (string?)c));
    }

    [Fact]
    public async Task Supervisors_SeeTheLine_StaffHoldAtMostTheirCapacity_AndCanHandAConversationToAColleague()
    {
        await using var host = await TestHost.StartAsync(StaffAuthTests.Settings(new() { ["Hotline:Capacity"] = "1", ["DirectLine:TokensPerIpPerMinute"] = "1000" }));
        using var root = await StaffClient.SignedInAsync(host, "root", StaffAuthTests.AdminPassword);
        await root.CreateAccountAsync("amira", "agent", "amira's long passphrase");
        await root.CreateAccountAsync("boris", "agent", "boris's long passphrase");
        using var amira = await StaffClient.SignedInAsync(host, "amira", "amira's long passphrase");
        using var boris = await StaffClient.SignedInAsync(host, "boris", "boris's long passphrase");
        await amira.SendAsync(HttpMethod.Post, "api/staff/presence", new { online = true });
        var people = new List<DirectLineTestClient>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var person = await DirectLineTestClient.StartAsync(host.BaseUrl, "en");
                people.Add(person);
                await person.NextBotMessageAsync(m => DirectLineTestClient.ButtonsOf(m).Count > 0);
                await person.SayAsync(null, new { action = "human" });
                await person.NextBotMessageAsync();
            }

            var supervision = await StaffAuthTests.Json(await root.SendAsync(HttpMethod.Get, "api/staff/supervision"));
            Assert.Equal((2, 1), ((int)supervision["waiting"]!, (int)supervision["staffOnline"]!));
            Assert.Equal(2, (int)supervision["waitingByLanguage"]!["en"]!);
            Assert.Equal(HttpStatusCode.Forbidden, (await amira.SendAsync(HttpMethod.Get, "api/staff/supervision")).StatusCode);

            var ids = (await StaffAuthTests.Json(await amira.SendAsync(HttpMethod.Get, "api/staff/queue")))["items"]!.AsArray().Select(i => (string)i!["id"]!).ToList();
            Assert.Equal(HttpStatusCode.OK, (await amira.SendAsync(HttpMethod.Post, $"api/staff/conversations/{ids[0]}/claim")).StatusCode);
            var full = await amira.SendAsync(HttpMethod.Post, $"api/staff/conversations/{ids[1]}/claim");
            Assert.Equal(HttpStatusCode.Conflict, full.StatusCode);
            Assert.Equal("AtCapacity", (string?)(await StaffAuthTests.Json(full))["error"]!["code"]);

            Assert.Equal(HttpStatusCode.BadRequest, (await amira.SendAsync(HttpMethod.Post, $"api/staff/conversations/{ids[0]}/transfer", new { to = "nobody" })).StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, (await amira.SendAsync(HttpMethod.Post, $"api/staff/conversations/{ids[0]}/transfer", new { to = "boris" })).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await amira.SendAsync(HttpMethod.Post, $"api/staff/conversations/{ids[0]}/messages", new { text = "still me?" })).StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, (await boris.SendAsync(HttpMethod.Post, $"api/staff/conversations/{ids[0]}/messages", new { text = "Hi, I'm taking over from my colleague." })).StatusCode);
            var taken = people.First(p => p.All.Any(a => DirectLineTestClient.TextOf(a).StartsWith("A person from the team", StringComparison.Ordinal)));
            await taken.NextBotMessageAsync(m => DirectLineTestClient.TextOf(m) == "Hi, I'm taking over from my colleague.");
            Assert.Equal(HttpStatusCode.OK, (await amira.SendAsync(HttpMethod.Post, $"api/staff/conversations/{ids[1]}/claim")).StatusCode);
        }
        finally
        {
            foreach (var person in people)
            {
                await person.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task TypingShowsBothWays_HandoffEventsAreEmitted_AndTheQueueFiltersByLanguageAndTopic()
    {
        await using var host = await TestHost.StartAsync(StaffAuthTests.Settings(new() { ["DirectLine:TokensPerIpPerMinute"] = "1000" }));
        var events = new System.Collections.Concurrent.ConcurrentQueue<(string Name, string? Value)>();
        host.Services.GetRequiredService<SafetyBot.Core.Handoff.HandoffEvents>().Emitted += (_, e) =>
            events.Enqueue((e.Name, e.Name == "handoff.status" ? ((Newtonsoft.Json.Linq.JObject)e.Value)["state"]?.ToString() : ((Microsoft.Bot.Schema.Activity)e).Attachments?.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        using var root = await StaffClient.SignedInAsync(host, "root", StaffAuthTests.AdminPassword);
        await root.SendAsync(HttpMethod.Post, "api/staff/presence", new { online = true });
        await using var person = await DirectLineTestClient.StartAsync(host.BaseUrl, "en");
        await person.NextBotMessageAsync(m => DirectLineTestClient.ButtonsOf(m).Count > 0);
        await person.SayAsync(null, new { action = "human" });
        await person.NextBotMessageAsync();

        Assert.Empty((await StaffAuthTests.Json(await root.SendAsync(HttpMethod.Get, "api/staff/queue?languages=uk,ru")))["items"]!.AsArray());
        Assert.Empty((await StaffAuthTests.Json(await root.SendAsync(HttpMethod.Get, "api/staff/queue?languages=en&topics=sextortion")))["items"]!.AsArray());
        var id = (string)(await StaffAuthTests.Json(await root.SendAsync(HttpMethod.Get, "api/staff/queue?languages=en")))["items"]!.AsArray().Single()!["id"]!;
        Assert.Equal(HttpStatusCode.OK, (await root.SendAsync(HttpMethod.Post, $"api/staff/conversations/{id}/claim")).StatusCode);
        await person.NextBotMessageAsync(m => DirectLineTestClient.TextOf(m).StartsWith("A person from the team", StringComparison.Ordinal));

        // The staff member types: the person's channel shows it. The person types: the console shows it.
        Assert.Equal(HttpStatusCode.NoContent, (await root.SendAsync(HttpMethod.Post, $"api/staff/conversations/{id}/typing")).StatusCode);
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            while (!person.All.Any(a => (string?)a["type"] == "typing" && (string?)a["from"]?["role"] == "bot"))
            {
                await Task.Delay(50, wait.Token);
            }
        }

        await using var live = LiveLine(host.BaseUrl, root);
        var typing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        live.On<JsonObject>("typing", t =>
        {
            if ((string?)t["id"] == id)
            {
                typing.TrySetResult();
            }
        });
        await live.StartAsync();
        await live.InvokeAsync("Watch", id);
        var sent = await person.SendAsync(HttpMethod.Post, $"v3/directline/conversations/{person.ConversationId}/activities", new { type = "typing", from = new { id = "ignored", role = "user" } });
        Assert.True(sent.IsSuccessStatusCode, await sent.Content.ReadAsStringAsync());
        await typing.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // A crisis while talking with a person: the person gets the crisis response, and the staff member sees the words at once.
        var crisis = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        live.On<JsonObject>("message", m => crisis.TrySetResult((string?)m["text"] ?? string.Empty));
        await person.SayAsync("i don't want to live anymore");
        await person.NextBotMessageAsync(m => DirectLineTestClient.TextOf(m).StartsWith("Thank you for telling me", StringComparison.Ordinal));
        Assert.Equal("i don't want to live anymore", await crisis.Task.WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(HttpStatusCode.NoContent, (await root.SendAsync(HttpMethod.Post, $"api/staff/conversations/{id}/close", new { outcome = "advice-given" })).StatusCode);
        await person.NextBotMessageAsync(m => DirectLineTestClient.TextOf(m).StartsWith("The person from the team has left", StringComparison.Ordinal));

        // Every change of owner as a Bot Framework handoff event: initiate (with the transcript attached), accepted, completed.
        Assert.Equal(["handoff.initiate", "handoff.status", "handoff.status"], events.Select(e => e.Name));
        Assert.Equal([null, "accepted", "completed"], events.Skip(1).Select(e => e.Value).Prepend(null));
        Assert.NotEqual("0", events.First().Value);
    }

    private static async Task FinishAsync(StaffClient winner, string id, DirectLineTestClient person, Func<string, string> T)
    {
        Assert.Equal(HttpStatusCode.NoContent, (await winner.SendAsync(HttpMethod.Post, $"api/staff/conversations/{id}/notes", new { text = "talked about evidence" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await winner.SendAsync(HttpMethod.Post, $"api/staff/conversations/{id}/close", new { outcome = "whatever" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await winner.SendAsync(HttpMethod.Post, $"api/staff/conversations/{id}/close", new { outcome = "advice-given" })).StatusCode);
        await person.NextBotMessageAsync(m => DirectLineTestClient.TextOf(m).StartsWith(T("human.closed"), StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await winner.SendAsync(HttpMethod.Get, $"api/staff/conversations/{id}")).StatusCode);
    }
}
