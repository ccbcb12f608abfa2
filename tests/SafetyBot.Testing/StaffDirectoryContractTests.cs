using SafetyBot.Core.Staff;
using Xunit;

namespace SafetyBot.Testing;

/// <summary>
/// The staff directory contract, run against the in-process and the Redis directory: case-insensitive names,
/// create-if-absent, compare-and-set updates, and failed sign-ins counted exactly when they race.
/// </summary>
public abstract class StaffDirectoryContractTests
{
    /// <summary>The lowest iteration count the hasher accepts, to keep the tests fast.</summary>
    protected static readonly PasswordHasher Hasher = new(PasswordHasher.MinIterations);

    protected abstract Task<IStaffDirectory> CreateDirectoryAsync();

    protected static StaffAccount NewAccount(string username, StaffRole role = StaffRole.Agent, string passwordHash = "pbkdf2-sha256$1$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=") =>
        StaffAccount.New(username, role, passwordHash, new DateTimeOffset(2026, 11, 27, 9, 30, 0, TimeSpan.Zero));

    [Fact]
    public async Task FindingAnUnknownName_ReturnsNull()
    {
        var directory = await CreateDirectoryAsync();

        Assert.Null(await directory.FindAsync("nobody", default));
    }

    [Fact]
    public async Task CreatedAccount_IsFoundUnderAnyCase_WithVersionOne_AndEveryField()
    {
        var directory = await CreateDirectoryAsync();
        var account = NewAccount("Alice.Smith", StaffRole.Supervisor) with { FailedAttempts = 2, LockoutEnd = new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero) };

        var created = await directory.CreateAsync(account, default);
        var found = await directory.FindAsync("ALICE.smith", default);

        Assert.NotNull(created);
        Assert.Equal(1, created.Version);
        Assert.Equal(account with { Username = "alice.smith", Version = 1 }, found);
    }

    [Fact]
    public async Task CreatingATakenName_InAnotherCase_FailsAndChangesNothing()
    {
        var directory = await CreateDirectoryAsync();
        var first = await directory.CreateAsync(NewAccount("bob"), default);

        var second = await directory.CreateAsync(NewAccount("BOB", StaffRole.Admin), default);

        Assert.Null(second);
        Assert.Equal(first, await directory.FindAsync("bob", default));
    }

    [Fact]
    public async Task UpdateWithTheCurrentVersion_StoresTheChange_AndBumpsTheVersion()
    {
        var directory = await CreateDirectoryAsync();
        var created = (await directory.CreateAsync(NewAccount("carol"), default))!;

        var updated = await directory.UpdateAsync(created with { FailedAttempts = 3, SecurityStamp = "new-stamp" }, default);

        Assert.NotNull(updated);
        Assert.Equal(2, updated.Version);
        var found = await directory.FindAsync("carol", default);
        Assert.Equal(3, found!.FailedAttempts);
        Assert.Equal("new-stamp", found.SecurityStamp);
        Assert.Equal(2, found.Version);
    }

    [Fact]
    public async Task UpdateWithAStaleVersion_FailsAndKeepsTheStoredAccount()
    {
        var directory = await CreateDirectoryAsync();
        var created = (await directory.CreateAsync(NewAccount("dave"), default))!;
        var newer = (await directory.UpdateAsync(created with { FailedAttempts = 1 }, default))!;

        var stale = await directory.UpdateAsync(created with { FailedAttempts = 4 }, default);

        Assert.Null(stale);
        Assert.Equal(newer, await directory.FindAsync("dave", default));
    }

    [Fact]
    public async Task UpdateOfAnUnknownAccount_OrOfAnotherAccountUnderTheSameName_Fails()
    {
        var directory = await CreateDirectoryAsync();
        var stored = (await directory.CreateAsync(NewAccount("erin"), default))!;

        Assert.Null(await directory.UpdateAsync(NewAccount("frank") with { Version = 1 }, default));
        Assert.Null(await directory.UpdateAsync(NewAccount("erin") with { Version = stored.Version }, default));
        Assert.Null(await directory.FindAsync("frank", default));
        Assert.Equal(stored, await directory.FindAsync("erin", default));
    }

    [Fact]
    public async Task ConcurrentUpdatesFromTheSameVersion_ExactlyOneWins()
    {
        var directory = await CreateDirectoryAsync();
        var created = (await directory.CreateAsync(NewAccount("gina"), default))!;

        var results = await Task.WhenAll(Enumerable.Range(1, 16).Select(i => Task.Run(() => directory.UpdateAsync(created with { FailedAttempts = i }, default))));

        var winner = Assert.Single(results, r => r is not null);
        Assert.Equal(winner, await directory.FindAsync("gina", default));
    }

    [Fact]
    public async Task List_ReturnsEveryAccountOrderedByName()
    {
        var directory = await CreateDirectoryAsync();
        foreach (var name in new[] { "zoe", "Adam", "mia" })
        {
            await directory.CreateAsync(NewAccount(name), default);
        }

        var all = await directory.ListAsync(default);

        Assert.Equal(["adam", "mia", "zoe"], all.Select(a => a.Username));
    }

    [Fact]
    public async Task RacingWrongPasswords_AreEachCounted_AndLockTheAccountAtTheLimit()
    {
        var directory = await CreateDirectoryAsync();
        var clock = new ManualClock();
        var service = new StaffAccountService(directory, Hasher, new StaffLockoutPolicy(8, TimeSpan.FromMinutes(15)), clock);
        await service.CreateAsync("hana", StaffRole.Agent, "the right password", default);

        var seven = await Task.WhenAll(Enumerable.Range(0, 7).Select(_ => Task.Run(() => service.SignInAsync("hana", "a wrong password", default))));
        var counted = await directory.FindAsync("hana", default);
        var eighth = await service.SignInAsync("hana", "a wrong password", default);
        var locked = await service.SignInAsync("hana", "the right password", default);

        Assert.All(seven, r => Assert.Equal(SignInStatus.WrongCredentials, r.Status));
        Assert.Equal(7, counted!.FailedAttempts);
        Assert.Equal(SignInStatus.WrongCredentials, eighth.Status);
        Assert.Equal(SignInStatus.LockedOut, locked.Status);
        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromMinutes(15), locked.LockedUntil);
    }
}
