using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SafetyBot.Core.Staff;
using SafetyBot.Host;
using SafetyBot.Host.Staff;
using SafetyBot.Testing;

namespace SafetyBot.Host.Tests;

/// <summary>
/// Staff accounts and sign-in on the real host (Kestrel, real HTTP, real Redis where hosts share accounts): cookies,
/// wrong passwords, lockout, CSRF, "sign out everywhere", roles, the bootstrap admin and the <c>staff add</c> command.
/// </summary>
public sealed class StaffAuthTests
{
    internal const string AdminPassword = "bootstrap admin passphrase";

    internal static Dictionary<string, string?> Settings(Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Staff:PasswordIterations"] = "100000",
            ["Staff:BootstrapAdmin:Username"] = "root",
            ["Staff:BootstrapAdmin:Password"] = AdminPassword,
            ["Staff:SignInsPerIpPerMinute"] = "1000",
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        return settings;
    }

    private static async Task<Dictionary<string, string?>> RedisSettingsAsync(string? prefix = null) => Settings(new()
    {
        ["Redis:Configuration"] = await SharedRedis.ConfigurationAsync(),
        ["Redis:KeyPrefix"] = prefix ?? SharedRedis.NewPrefix(),
        ["Staff:SessionCheckSeconds"] = "0",
    });

    [Fact]
    public async Task SignIn_SetsASecureHttpOnlyStrictSessionCookie_AndReturnsNameRoleAndCsrfToken()
    {
        await using var host = await TestHost.StartAsync(Settings());
        using var admin = new StaffClient(host.BaseUrl);

        var response = await admin.SignInAsync("ROOT", AdminPassword);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("safetybot.staff=", cookie, StringComparison.Ordinal);
        foreach (var attribute in new[] { "httponly", "secure", "samesite=strict", "path=/" })
        {
            Assert.Contains(attribute, cookie.ToLowerInvariant().Split("; "));
        }

        Assert.DoesNotContain("expires=", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("no-store", response.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        var body = await Json(response);
        Assert.Equal("root", (string?)body["username"]);
        Assert.Equal("admin", (string?)body["role"]);
        Assert.False(string.IsNullOrEmpty(admin.CsrfToken));

        var session = await admin.SendAsync(HttpMethod.Get, "api/staff/session");
        var who = await Json(session);
        Assert.Equal(HttpStatusCode.OK, session.StatusCode);
        Assert.Equal("root", (string?)who["username"]);
        Assert.Equal("admin", (string?)who["role"]);
        Assert.False(string.IsNullOrEmpty((string?)who["csrfToken"]));
    }

    [Fact]
    public async Task WrongPassword_AndUnknownUser_GetTheSame401_AndNoCookie()
    {
        await using var host = await TestHost.StartAsync(Settings());
        using var client = new StaffClient(host.BaseUrl);

        var wrong = await client.SignInAsync("root", "not the admin passphrase");
        var unknown = await client.SignInAsync("nobody", AdminPassword);
        var invalidName = await client.SignInAsync("x", AdminPassword);

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, invalidName.StatusCode);
        var body = await wrong.Content.ReadAsStringAsync();
        Assert.Equal(body, await unknown.Content.ReadAsStringAsync());
        Assert.Equal(body, await invalidName.Content.ReadAsStringAsync());
        Assert.Equal("WrongCredentials", (string?)JsonNode.Parse(body)!["error"]!["code"]);
        Assert.False(wrong.Headers.Contains("Set-Cookie") || unknown.Headers.Contains("Set-Cookie"));
        Assert.Null(client.Cookie);
    }

    [Fact]
    public async Task UnknownUser_TakesAboutAsLongAsAWrongPassword()
    {
        await using var host = await TestHost.StartAsync(Settings());
        using var client = new StaffClient(host.BaseUrl);
        await client.SignInAsync("nobody", "warm-up attempt");

        var known = await TimeAsync(() => client.SignInAsync("root", "a wrong password"));
        var unknown = await TimeAsync(() => client.SignInAsync("nobody", "a wrong password"));

        // Both run one full PBKDF2 derivation; without the decoy the unknown name would answer at once.
        Assert.True(unknown > known / 4, $"unknown user {unknown.TotalMilliseconds} ms, wrong password {known.TotalMilliseconds} ms");

        static async Task<TimeSpan> TimeAsync(Func<Task<HttpResponseMessage>> attempt)
        {
            var times = new List<TimeSpan>();
            for (var i = 0; i < 3; i++)
            {
                var watch = Stopwatch.StartNew();
                Assert.Equal(HttpStatusCode.Unauthorized, (await attempt()).StatusCode);
                times.Add(watch.Elapsed);
            }

            return times.Order().ElementAt(1);
        }
    }

    [Fact]
    public async Task FiveWrongPasswordsInARow_Lock_With423AndRetryAfter_EvenForTheRightPassword()
    {
        await using var host = await TestHost.StartAsync(Settings());
        using var admin = await StaffClient.SignedInAsync(host, "root", AdminPassword);
        await admin.CreateAccountAsync("amy", "agent", "amy's passphrase");
        using var amy = new StaffClient(host.BaseUrl);

        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < 4; i++)
            {
                Assert.Equal(HttpStatusCode.Unauthorized, (await amy.SignInAsync("amy", "wrong password")).StatusCode);
            }

            // A success resets the count: four more wrong passwords do not lock.
            Assert.Equal(HttpStatusCode.OK, (await amy.SignInAsync("amy", "amy's passphrase")).StatusCode);
        }

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await amy.SignInAsync("amy", "wrong password")).StatusCode);
        }

        var locked = await amy.SignInAsync("amy", "amy's passphrase");

        Assert.Equal((HttpStatusCode)423, locked.StatusCode);
        Assert.Equal("LockedOut", (string?)(await Json(locked))["error"]!["code"]);
        Assert.InRange(locked.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15));
        var listed = await Json(await admin.SendAsync(HttpMethod.Get, "api/staff/accounts"));
        Assert.NotNull(listed.AsArray().Single(a => (string?)a!["username"] == "amy")!["lockedOutUntil"]);
    }

    [Fact]
    public async Task SignIn_IsRateLimitedPerClientAddress()
    {
        await using var host = await TestHost.StartAsync(Settings(new() { ["Staff:SignInsPerIpPerMinute"] = "3" }));
        using var client = new StaffClient(host.BaseUrl);
        for (var i = 0; i < 3; i++)
        {
            await client.SignInAsync("someone", "some password");
        }

        var limited = await client.SignInAsync("root", AdminPassword);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter);
        Assert.Equal("TooManyRequests", (string?)(await Json(limited))["error"]!["code"]);
    }

    [Fact]
    public async Task MissingOrWrongCsrfToken_Gets403_AndChangesNothing()
    {
        await using var host = await TestHost.StartAsync(Settings());
        using var admin = await StaffClient.SignedInAsync(host, "root", AdminPassword);
        using var otherSession = await StaffClient.SignedInAsync(host, "root", AdminPassword);
        var account = new { username = "mallory", password = "a forged request", role = "admin" };

        var missing = await admin.SendAsync(HttpMethod.Post, "api/staff/accounts", account, csrfToken: string.Empty);
        var wrong = await admin.SendAsync(HttpMethod.Post, "api/staff/accounts", account, csrfToken: "CfDJ8-not-a-token");
        var anotherSessions = await admin.SendAsync(HttpMethod.Post, "api/staff/accounts", account, csrfToken: otherSession.CsrfToken);
        var signOut = await admin.SendAsync(HttpMethod.Delete, "api/staff/session", csrfToken: string.Empty);
        var revoke = await admin.SendAsync(HttpMethod.Post, "api/staff/session/revoke", csrfToken: "x");
        var password = await admin.SendAsync(HttpMethod.Post, "api/staff/accounts/root/password",
            new { currentPassword = AdminPassword, newPassword = "a password an attacker chose" }, csrfToken: string.Empty);

        Assert.Equal(HttpStatusCode.Forbidden, missing.StatusCode);
        Assert.Equal("CsrfTokenMissing", (string?)(await Json(missing))["error"]!["code"]);
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Equal("CsrfTokenInvalid", (string?)(await Json(wrong))["error"]!["code"]);
        Assert.Equal(HttpStatusCode.Forbidden, anotherSessions.StatusCode);
        Assert.All(new[] { signOut, revoke, password }, r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));

        var accounts = await Json(await admin.SendAsync(HttpMethod.Get, "api/staff/accounts"));
        Assert.Equal(["root"], accounts.AsArray().Select(a => (string?)a!["username"]));
        Assert.Equal(HttpStatusCode.OK, (await otherSession.SendAsync(HttpMethod.Get, "api/staff/session")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await new StaffClient(host.BaseUrl).SignInAsync("root", AdminPassword)).StatusCode);

        var created = await admin.SendAsync(HttpMethod.Post, "api/staff/accounts", account);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    [Fact]
    public async Task SignOut_EndsThisSession_AndSignOutEverywhere_EndsEveryOther()
    {
        await using var host = await TestHost.StartAsync(Settings());
        using var admin = await StaffClient.SignedInAsync(host, "root", AdminPassword);
        await admin.CreateAccountAsync("sam", "supervisor", "sam's passphrase");
        using var laptop = await StaffClient.SignedInAsync(host, "sam", "sam's passphrase");
        using var phone = await StaffClient.SignedInAsync(host, "sam", "sam's passphrase");
        using var tablet = await StaffClient.SignedInAsync(host, "sam", "sam's passphrase");

        var signOut = await tablet.SendAsync(HttpMethod.Delete, "api/staff/session");

        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);
        Assert.Null(tablet.Cookie);
        Assert.Equal(HttpStatusCode.OK, (await phone.SendAsync(HttpMethod.Get, "api/staff/session")).StatusCode);

        var cookieBefore = phone.Cookie;
        var revoke = await laptop.SendAsync(HttpMethod.Post, "api/staff/session/revoke");

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        var onPhone = await phone.SendAsync(HttpMethod.Get, "api/staff/session");
        Assert.Equal(HttpStatusCode.Unauthorized, onPhone.StatusCode);
        Assert.Equal("Unauthorized", (string?)(await Json(onPhone))["error"]!["code"]);
        phone.Cookie = cookieBefore;
        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.SendAsync(HttpMethod.Post, "api/staff/session/revoke")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await laptop.SendAsync(HttpMethod.Get, "api/staff/session")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(HttpMethod.Get, "api/staff/session")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await phone.SignInAsync("sam", "sam's passphrase")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await phone.SendAsync(HttpMethod.Get, "api/staff/session")).StatusCode);
    }

    [Fact]
    public async Task Roles_AgentsAndSupervisorsCannotManageAccounts_AdminsCan()
    {
        await using var host = await TestHost.StartAsync(Settings());
        using var admin = await StaffClient.SignedInAsync(host, "root", AdminPassword);
        await admin.CreateAccountAsync("amy", "agent", "amy's passphrase");
        await admin.CreateAccountAsync("sam", "supervisor", "sam's passphrase");
        using var amy = await StaffClient.SignedInAsync(host, "amy", "amy's passphrase");
        using var sam = await StaffClient.SignedInAsync(host, "sam", "sam's passphrase");
        var newAccount = new { username = "eve", password = "eve's passphrase", role = "admin" };

        foreach (var caller in new[] { amy, sam })
        {
            var list = await caller.SendAsync(HttpMethod.Get, "api/staff/accounts");
            var create = await caller.SendAsync(HttpMethod.Post, "api/staff/accounts", newAccount);
            var othersPassword = await caller.SendAsync(HttpMethod.Post, "api/staff/accounts/root/password", new { newPassword = "taken over account" });

            Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
            Assert.Equal("Forbidden", (string?)(await Json(list))["error"]!["code"]);
            Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, othersPassword.StatusCode);
        }

        var accounts = await Json(await admin.SendAsync(HttpMethod.Get, "api/staff/accounts"));
        Assert.Equal(["amy", "root", "sam"], accounts.AsArray().Select(a => (string?)a!["username"]));
        Assert.Equal(["agent", "admin", "supervisor"], accounts.AsArray().Select(a => (string?)a!["role"]));
        Assert.All(accounts.AsArray(), a => Assert.Equal(["username", "role", "createdAt", "lockedOutUntil"], a!.AsObject().Select(p => p.Key)));
        Assert.Equal(HttpStatusCode.OK, (await new StaffClient(host.BaseUrl).SignInAsync("root", AdminPassword)).StatusCode);

        // The policies the console's other endpoints use.
        var authorization = host.Services.GetRequiredService<IAuthorizationService>();
        var sessions = host.Services.GetRequiredService<StaffSessions>();
        foreach (var (role, staff, supervisor, adminOnly) in new[] { (StaffRole.Agent, true, false, false), (StaffRole.Supervisor, true, true, false), (StaffRole.Admin, true, true, true) })
        {
            var user = sessions.CreatePrincipal(StaffAccount.New("policy-" + StaffNames.RoleName(role), role, "-", DateTimeOffset.UtcNow));
            Assert.Equal(staff, (await authorization.AuthorizeAsync(user, StaffAuthentication.StaffPolicy)).Succeeded);
            Assert.Equal(supervisor, (await authorization.AuthorizeAsync(user, StaffAuthentication.SupervisorPolicy)).Succeeded);
            Assert.Equal(adminOnly, (await authorization.AuthorizeAsync(user, StaffAuthentication.AdminPolicy)).Succeeded);
        }

        Assert.False((await authorization.AuthorizeAsync(new ClaimsPrincipal(new ClaimsIdentity()), StaffAuthentication.StaffPolicy)).Succeeded);
    }

    [Fact]
    public async Task CreateAccount_RefusesBadInput_AndTakenNames()
    {
        await using var host = await TestHost.StartAsync(Settings());
        using var admin = await StaffClient.SignedInAsync(host, "root", AdminPassword);

        async Task<(HttpStatusCode, string?)> Create(object body)
        {
            var response = await admin.SendAsync(HttpMethod.Post, "api/staff/accounts", body);
            return (response.StatusCode, response.IsSuccessStatusCode ? null : (string?)(await Json(response))["error"]!["code"]);
        }

        Assert.Equal((HttpStatusCode.BadRequest, "InvalidUsername"), await Create(new { username = "a b", password = "long enough password", role = "agent" }));
        Assert.Equal((HttpStatusCode.BadRequest, "PasswordTooShort"), await Create(new { username = "ann", password = "short", role = "agent" }));
        Assert.Equal((HttpStatusCode.BadRequest, "InvalidRole"), await Create(new { username = "ann", password = "long enough password", role = "root" }));
        Assert.Equal((HttpStatusCode.Conflict, "UsernameTaken"), await Create(new { username = "ROOT", password = "long enough password", role = "agent" }));
        Assert.Equal((HttpStatusCode.Created, null), await Create(new { username = "Ann.Lee", password = "long enough password", role = "agent" }));

        var notJson = await admin.SendRawAsync(HttpMethod.Post, "api/staff/accounts", new StringContent("username=ann", Encoding.UTF8, "application/x-www-form-urlencoded"));
        var broken = await admin.SendRawAsync(HttpMethod.Post, "api/staff/accounts", new StringContent("{\"username\":", Encoding.UTF8, "application/json"));
        var huge = await admin.SendRawAsync(HttpMethod.Post, "api/staff/accounts", new StringContent("{\"username\":\"" + new string('a', 20_000) + "\"}", Encoding.UTF8, "application/json"));
        var signInTooLong = await new StaffClient(host.BaseUrl).SignInAsync("root", new string('p', 5000));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notJson.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, signInTooLong.StatusCode);
    }

    [Fact]
    public async Task ChangingOnesOwnPassword_NeedsTheCurrentOne_KeepsThisSession_AndEndsTheOthers()
    {
        await using var host = await TestHost.StartAsync(Settings());
        using var admin = await StaffClient.SignedInAsync(host, "root", AdminPassword);
        await admin.CreateAccountAsync("amy", "agent", "amy's passphrase");
        using var amy = await StaffClient.SignedInAsync(host, "amy", "amy's passphrase");
        using var amyElsewhere = await StaffClient.SignedInAsync(host, "amy", "amy's passphrase");

        var withoutCurrent = await amy.SendAsync(HttpMethod.Post, "api/staff/accounts/amy/password", new { newPassword = "amy's new passphrase" });
        var wrongCurrent = await amy.SendAsync(HttpMethod.Post, "api/staff/accounts/AMY/password", new { currentPassword = "not it at all", newPassword = "amy's new passphrase" });
        var tooShort = await amy.SendAsync(HttpMethod.Post, "api/staff/accounts/amy/password", new { currentPassword = "amy's passphrase", newPassword = "short" });
        var changed = await amy.SendAsync(HttpMethod.Post, "api/staff/accounts/amy/password", new { currentPassword = "amy's passphrase", newPassword = "amy's new passphrase" });

        Assert.Equal(HttpStatusCode.Forbidden, withoutCurrent.StatusCode);
        Assert.Equal("WrongCurrentPassword", (string?)(await Json(wrongCurrent))["error"]!["code"]);
        Assert.Equal("PasswordTooShort", (string?)(await Json(tooShort))["error"]!["code"]);
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        Assert.True(changed.Headers.Contains("Set-Cookie"));
        Assert.Equal(HttpStatusCode.OK, (await amy.SendAsync(HttpMethod.Get, "api/staff/session")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await amy.SendAsync(HttpMethod.Post, "api/staff/accounts/amy/password",
            new { currentPassword = "amy's new passphrase", newPassword = "amy's third passphrase" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await amyElsewhere.SendAsync(HttpMethod.Get, "api/staff/session")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await new StaffClient(host.BaseUrl).SignInAsync("amy", "amy's passphrase")).StatusCode);

        // An admin sets anyone's password without knowing it; that person's sessions end.
        var reset = await admin.SendAsync(HttpMethod.Post, "api/staff/accounts/amy/password", new { newPassword = "set by the admin" });
        var unknown = await admin.SendAsync(HttpMethod.Post, "api/staff/accounts/nobody/password", new { newPassword = "set by the admin" });

        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await amy.SendAsync(HttpMethod.Get, "api/staff/session")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await new StaffClient(host.BaseUrl).SignInAsync("amy", "set by the admin")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(HttpMethod.Get, "api/staff/session")).StatusCode);
    }

    [Fact]
    public async Task TwoHostsSharingRedis_AcceptEachOthersCookies_AndSignOutEverywhereReachesBoth()
    {
        var settings = await RedisSettingsAsync();
        await using var hostA = await TestHost.StartAsync(settings);
        await using var hostB = await TestHost.StartAsync(settings);
        using var onA = await StaffClient.SignedInAsync(hostA, "root", AdminPassword);
        using var sameSessionOnB = new StaffClient(hostB.BaseUrl) { Cookie = onA.Cookie, CsrfToken = onA.CsrfToken };
        using var secondOnB = await StaffClient.SignedInAsync(hostB, "root", AdminPassword);

        var who = await sameSessionOnB.SendAsync(HttpMethod.Get, "api/staff/session");
        var created = await sameSessionOnB.SendAsync(HttpMethod.Post, "api/staff/accounts", new { username = "nina", password = "nina's passphrase", role = "agent" });
        using var nina = await StaffClient.SignedInAsync(hostA, "nina", "nina's passphrase");

        Assert.Equal(HttpStatusCode.OK, who.StatusCode);
        Assert.Equal("root", (string?)(await Json(who))["username"]);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await new StaffClient(hostA.BaseUrl) { Cookie = secondOnB.Cookie }.SendAsync(HttpMethod.Get, "api/staff/session")).StatusCode);

        var revoke = await secondOnB.SendAsync(HttpMethod.Post, "api/staff/session/revoke");

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await onA.SendAsync(HttpMethod.Get, "api/staff/session")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await nina.SendAsync(HttpMethod.Get, "api/staff/session")).StatusCode);
        var redis = hostA.Services.GetRequiredService<SafetyBot.Redis.RedisConnection>();
        Assert.True(await redis.Database.KeyExistsAsync(redis.Key("dataprotection:keys")));
    }

    [Fact]
    public async Task AHostWithItsOwnKeys_RefusesACookieFromAnother()
    {
        await using var hostA = await TestHost.StartAsync(Settings());
        await using var hostB = await TestHost.StartAsync(Settings());
        using var onA = await StaffClient.SignedInAsync(hostA, "root", AdminPassword);

        var onB = await new StaffClient(hostB.BaseUrl) { Cookie = onA.Cookie }.SendAsync(HttpMethod.Get, "api/staff/session");

        Assert.Equal(HttpStatusCode.Unauthorized, onB.StatusCode);
    }

    [Fact]
    public async Task BootstrapAdmin_IsCreatedOnce_AndLaterStartsNeverChangeIt()
    {
        var settings = await RedisSettingsAsync();
        await using (var first = await TestHost.StartAsync(settings))
        {
            Assert.Equal(HttpStatusCode.OK, (await new StaffClient(first.BaseUrl).SignInAsync("root", AdminPassword)).StatusCode);
            Assert.Contains("Created the bootstrap staff admin root", first.Logs.All, StringComparison.Ordinal);
        }

        settings["Staff:BootstrapAdmin:Password"] = "another long passphrase";
        settings["Staff:BootstrapAdmin:Username"] = "second-admin";
        await using var second = await TestHost.StartAsync(settings);

        Assert.Equal(HttpStatusCode.OK, (await new StaffClient(second.BaseUrl).SignInAsync("root", AdminPassword)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await new StaffClient(second.BaseUrl).SignInAsync("second-admin", "another long passphrase")).StatusCode);
        Assert.DoesNotContain("Created the bootstrap staff admin", second.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutAnAdminOrBootstrapSettings_StartUpSaysHowToCreateOne()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["Staff:PasswordIterations"] = "100000" });

        Assert.Contains("No staff admin exists yet", host.Logs.All, StringComparison.Ordinal);
        Assert.Empty(await host.Services.GetRequiredService<IStaffDirectory>().ListAsync(default));
    }

    [Theory]
    [InlineData("short", "Staff__BootstrapAdmin__Password")]
    [InlineData(null, "Staff__BootstrapAdmin__Password")]
    public async Task ABootstrapPasswordUnder12Characters_StopsStartUp_NamingTheSetting(string? password, string setting)
    {
        var (code, _, error) = await RunHostAsync(new()
        {
            ["Staff__BootstrapAdmin__Username"] = "root",
            ["Staff__BootstrapAdmin__Password"] = password,
            ["Urls"] = "http://127.0.0.1:0",
        });

        Assert.Equal(1, code);
        Assert.Contains("SafetyBot cannot start", error, StringComparison.Ordinal);
        Assert.Contains(setting, error, StringComparison.Ordinal);
        Assert.Contains("12 characters", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StaffAdd_AsAProcess_CreatesAnAccountInRedis_ThatSignsInOnAHost()
    {
        var prefix = SharedRedis.NewPrefix();
        var environment = new Dictionary<string, string?>
        {
            ["Redis__Configuration"] = await SharedRedis.ConfigurationAsync(),
            ["Redis__KeyPrefix"] = prefix,
            ["Staff__PasswordIterations"] = "100000",
        };

        var (code, output, error) = await RunHostAsync(environment, "olga's passphrase\n", "staff", "add", "Olga", "--role", "supervisor");

        Assert.True(code == 0, error);
        Assert.Equal("Created supervisor account 'olga'.", output.Trim());
        await using var host = await TestHost.StartAsync(await RedisSettingsAsync(prefix));
        using var olga = new StaffClient(host.BaseUrl);
        var signIn = await olga.SignInAsync("olga", "olga's passphrase");
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        Assert.Equal("supervisor", (string?)(await Json(signIn))["role"]);

        var again = await RunHostAsync(environment, "another passphrase\n", "staff", "add", "OLGA", "--role", "admin");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already exists", again.Error, StringComparison.Ordinal);
        Assert.Equal("supervisor", (string?)(await Json(await olga.SendAsync(HttpMethod.Get, "api/staff/session")))["role"]);

        var shortPassword = await RunHostAsync(environment, "short\n", "staff", "add", "pavel", "--role", "agent");
        Assert.Equal(1, shortPassword.ExitCode);
        Assert.Contains("at least 12 characters", shortPassword.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("short", shortPassword.Output + shortPassword.Error, StringComparison.Ordinal);
        Assert.Null(await host.Services.GetRequiredService<IStaffDirectory>().FindAsync("pavel", default));
        Assert.DoesNotContain("olga's passphrase", host.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StaffAdd_WithoutRedis_Refuses_AndBadArgumentsAreUsageErrors()
    {
        var noRedis = new Dictionary<string, string?> { ["Redis__Configuration"] = string.Empty };

        var inProcess = await RunHostAsync(noRedis, "long enough password\n", "staff", "add", "quinn", "--role", "agent");
        var badRole = await RunHostAsync(noRedis, "long enough password\n", "staff", "add", "quinn", "--role", "root");
        var noRole = await RunHostAsync(noRedis, "long enough password\n", "staff", "add", "quinn");
        var badName = await RunHostAsync(noRedis, "long enough password\n", "staff", "add", "q", "--role", "agent");
        var unknown = await RunHostAsync(noRedis, string.Empty, "staff", "remove", "quinn");
        var unreachable = await RunHostAsync(new() { ["Redis__Configuration"] = $"127.0.0.1:{RedisServer.FreePort()},connectTimeout=1000" },
            "long enough password\n", "staff", "add", "quinn", "--role", "agent");

        Assert.Equal(1, inProcess.ExitCode);
        Assert.Contains("vanish when this command exits", inProcess.Error, StringComparison.Ordinal);
        Assert.Contains("Redis__Configuration", inProcess.Error, StringComparison.Ordinal);
        Assert.Equal(2, badRole.ExitCode);
        Assert.Contains("--role must be agent, supervisor or admin", badRole.Error, StringComparison.Ordinal);
        Assert.Equal(2, noRole.ExitCode);
        Assert.Equal(2, badName.ExitCode);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("usage: staff add NAME --role", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(1, unreachable.ExitCode);
        Assert.Contains("Cannot connect to Redis", unreachable.Error, StringComparison.Ordinal);
        Assert.All(new[] { inProcess, badRole, noRole, badName, unknown, unreachable }, r => Assert.Equal(string.Empty, r.Output));
    }

    [Fact]
    public async Task ConsolePages_SignInIsOpen_TheConsoleRedirectsStrangersToIt_AndShowsThePlaceholderToStaff()
    {
        await using var host = await TestHost.StartAsync(Settings());
        using var anonymous = new StaffClient(host.BaseUrl);
        using var admin = await StaffClient.SignedInAsync(host, "root", AdminPassword);

        var signInPage = await anonymous.SendAsync(HttpMethod.Get, "console/signin");
        var script = await anonymous.SendAsync(HttpMethod.Get, "console/signin.js");
        var redirected = await anonymous.SendAsync(HttpMethod.Get, "console");
        var console = await admin.SendAsync(HttpMethod.Get, "console");

        Assert.Equal(HttpStatusCode.OK, signInPage.StatusCode);
        Assert.Equal("text/html", signInPage.Content.Headers.ContentType!.MediaType);
        var csp = string.Join(" ", signInPage.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("<form id=\"signin\"", await signInPage.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType!.MediaType);
        var js = await script.Content.ReadAsStringAsync();
        Assert.DoesNotContain("innerHTML", js, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, redirected.StatusCode);
        Assert.Equal("/console/signin", redirected.Headers.Location!.AbsolutePath);
        Assert.Contains("returnUrl=%2Fconsole", redirected.Headers.Location.Query, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, console.StatusCode);
        Assert.Contains("data-testid=\"queue\"", await console.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignInPage_InChromium_SignsIn_GoesToTheConsole_AndSignsOut()
    {
        await using var host = await TestHost.StartAsync(Settings());

        var result = await NodeScript.RunAsync("console-signin-check.mjs", host.BaseUrl, new Dictionary<string, string>
        {
            ["STAFF_USERNAME"] = "root",
            ["STAFF_PASSWORD"] = AdminPassword,
        });

        Assert.Equal(["wrong-password-message", "signed-in", "console-shows-user", "cookie-httponly", "signed-out"], result["checks"]!.AsArray().Select(c => (string?)c));
    }

    [Fact]
    public async Task OpenApiDocument_DescribesEveryStaffEndpoint_With401And403_AndTheCsrfHeader()
    {
        await using var host = await TestHost.StartAsync(Settings());

        var response = await host.Client.GetAsync("openapi/v1.json");
        var document = await Json(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var paths = document["paths"]!.AsObject();
        var staffRoutes = host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/staff", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Path: e.RoutePattern.RawText!, Method: m, Endpoint: e)))
            .ToList();
        Assert.True(staffRoutes.Count >= 7, $"found {staffRoutes.Count} staff routes");
        foreach (var (path, method, endpoint) in staffRoutes)
        {
            var operation = paths[path]?[method.ToLowerInvariant()];
            Assert.True(operation is not null, $"{method} {path} is missing from /openapi/v1.json");
            Assert.False(string.IsNullOrEmpty((string?)operation["operationId"]), $"{method} {path} has no name");
            Assert.False(string.IsNullOrEmpty((string?)operation["summary"]), $"{method} {path} has no summary");
            if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            {
                continue;
            }

            var responses = operation["responses"]!.AsObject();
            Assert.True(responses.ContainsKey("401") && responses.ContainsKey("403"), $"{method} {path} does not describe 401 and 403");
            Assert.Equal("#/components/schemas/StaffErrorResponse", (string?)responses["401"]!["content"]!["application/json"]!["schema"]!["$ref"]);
            Assert.NotNull(operation["security"]);
            if (method is not "GET" and not "HEAD")
            {
                Assert.Contains(operation["parameters"]!.AsArray(), p => (string?)p!["name"] == "X-CSRF-Token" && (string?)p["in"] == "header");
            }
        }

        Assert.Equal("safetybot.staff", (string?)document["components"]!["securitySchemes"]!["staffSession"]!["name"]);
        Assert.NotNull(document["components"]!["schemas"]!["StaffSessionResponse"]);
        Assert.DoesNotContain("passwordHash", document.ToJsonString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task NoPasswordOrHashIsEverLogged()
    {
        await using var host = await TestHost.StartAsync(Settings());
        using var admin = await StaffClient.SignedInAsync(host, "root", AdminPassword);
        await admin.CreateAccountAsync("amy", "agent", "amy's passphrase");
        await new StaffClient(host.BaseUrl).SignInAsync("amy", "amy's wrong passphrase");
        await new StaffClient(host.BaseUrl).SignInAsync("my password in the name field", "x");
        await admin.SendAsync(HttpMethod.Post, "api/staff/accounts/amy/password", new { newPassword = "amy's next passphrase" });

        var logs = host.Logs.All;

        foreach (var secret in new[] { AdminPassword, "amy's passphrase", "amy's wrong passphrase", "amy's next passphrase", "my password in the name field", "pbkdf2", admin.CsrfToken! })
        {
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        }

        Assert.Contains("Staff member root (admin) signed in", logs, StringComparison.Ordinal);
        Assert.Contains("A staff sign-in failed", logs, StringComparison.Ordinal);
    }

    internal static async Task<JsonNode> Json(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new InvalidOperationException("empty body");

    /// <summary>Runs the built host as a process, the way an operator does, with the given environment and standard input.</summary>
    private static async Task<(int ExitCode, string Output, string Error)> RunHostAsync(Dictionary<string, string?> environment, string? input = null, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SafetyBot.Host.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("Redis__", StringComparison.Ordinal) || k.StartsWith("Staff__", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        await process.StandardInput.WriteAsync(input ?? string.Empty);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"SafetyBot.Host {string.Join(' ', args)} did not exit. Output: {await output} {await error}");
        }

        return (process.ExitCode, await output, await error);
    }
}

/// <summary>
/// A staff member's browser, reduced to what the API needs: the session cookie and the CSRF token. The cookie is
/// Secure, which HttpClient's cookie container will not send over http://127.0.0.1, so it is carried by hand.
/// </summary>
internal sealed class StaffClient(Uri baseUrl) : IDisposable
{
    private readonly HttpClient _http = new(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false })
    {
        BaseAddress = baseUrl,
        Timeout = TimeSpan.FromSeconds(60),
    };

    public string? Cookie { get; set; }

    public string? CsrfToken { get; set; }

    public static async Task<StaffClient> SignedInAsync(TestHost host, string username, string password)
    {
        var client = new StaffClient(host.BaseUrl);
        var response = await client.SignInAsync(username, password);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"sign-in as {username}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return client;
    }

    public async Task<HttpResponseMessage> SignInAsync(string username, string password)
    {
        var response = await SendRawAsync(HttpMethod.Post, "api/staff/session", JsonContent.Create(new { username, password }), csrfToken: null);
        if (response.IsSuccessStatusCode)
        {
            CsrfToken = (string?)(await StaffAuthTests.Json(response))["csrfToken"];
        }

        return response;
    }

    public async Task CreateAccountAsync(string username, string role, string password)
    {
        var response = await SendAsync(HttpMethod.Post, "api/staff/accounts", new { username, password, role });
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"create {username}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Sends with the session's CSRF token, unless another one (or "" for none) is given.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null, string? csrfToken = null) =>
        SendRawAsync(method, path, body is null ? null : JsonContent.Create(body), csrfToken);

    /// <summary>Sends with the session's CSRF token, unless another one (or "" for none) is given.</summary>
    public async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, HttpContent? content, string? csrfToken = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (Cookie is not null)
        {
            request.Headers.Add("Cookie", $"{StaffAuthentication.CookieName}={Cookie}");
        }

        var token = csrfToken ?? CsrfToken;
        if (!string.IsNullOrEmpty(token))
        {
            request.Headers.Add(StaffAuthentication.CsrfHeader, token);
        }

        var response = await _http.SendAsync(request);
        if (response.Headers.TryGetValues("Set-Cookie", out var cookies))
        {
            foreach (var cookie in cookies.Where(c => c.StartsWith(StaffAuthentication.CookieName + "=", StringComparison.Ordinal)))
            {
                var value = cookie[(StaffAuthentication.CookieName.Length + 1)..].Split(';')[0];
                Cookie = value.Length == 0 ? null : value;
            }
        }

        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    public void Dispose() => _http.Dispose();
}
