using SafetyBot.Core.Staff;
using SafetyBot.Testing;

namespace SafetyBot.Core.Tests.Staff;

public sealed class InProcessStaffDirectoryContractTests : StaffDirectoryContractTests
{
    protected override Task<IStaffDirectory> CreateDirectoryAsync() => Task.FromResult<IStaffDirectory>(new InProcessStaffDirectory());
}

/// <summary>Sign-in, lockout and account changes, on the in-process directory with a clock moved by hand.</summary>
public sealed class StaffAccountServiceTests
{
    private readonly InProcessStaffDirectory _directory = new();
    private readonly ManualClock _clock = new();
    private readonly StaffAccountService _service;

    public StaffAccountServiceTests()
    {
        _service = new StaffAccountService(_directory, new PasswordHasher(PasswordHasher.MinIterations), StaffLockoutPolicy.Default, _clock);
    }

    [Fact]
    public async Task SignIn_WithTheRightPassword_UnderAnyCaseOfTheName_Succeeds()
    {
        await _service.CreateAsync("Maria", StaffRole.Supervisor, "twelve chars!", default);

        var result = await _service.SignInAsync("MARIA", "twelve chars!", default);

        Assert.Equal(SignInStatus.SignedIn, result.Status);
        Assert.Equal("maria", result.Account!.Username);
        Assert.Equal(StaffRole.Supervisor, result.Account.Role);
    }

    [Fact]
    public async Task UnknownName_AndWrongPassword_GiveTheSameResult()
    {
        await _service.CreateAsync("maria", StaffRole.Agent, "twelve chars!", default);

        var unknown = await _service.SignInAsync("nobody", "twelve chars!", default);
        var invalidName = await _service.SignInAsync("no", "twelve chars!", default);
        var wrong = await _service.SignInAsync("maria", "eleven chars", default);

        Assert.Equal(new SignInResult(SignInStatus.WrongCredentials), unknown);
        Assert.Equal(unknown, invalidName);
        Assert.Equal(unknown, wrong);
    }

    [Fact]
    public async Task FiveWrongPasswordsInARow_LockFor15Minutes_EvenAgainstTheRightPassword_ThenItOpensAgain()
    {
        await _service.CreateAsync("maria", StaffRole.Agent, "twelve chars!", default);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(SignInStatus.WrongCredentials, (await _service.SignInAsync("maria", "wrong password", default)).Status);
        }

        var locked = await _service.SignInAsync("maria", "twelve chars!", default);
        _clock.Advance(TimeSpan.FromMinutes(14));
        var stillLocked = await _service.SignInAsync("maria", "twelve chars!", default);
        _clock.Advance(TimeSpan.FromMinutes(1));
        var open = await _service.SignInAsync("maria", "twelve chars!", default);

        Assert.Equal(SignInStatus.LockedOut, locked.Status);
        Assert.Equal(SignInStatus.LockedOut, stillLocked.Status);
        Assert.Equal(SignInStatus.SignedIn, open.Status);
        Assert.Null(open.Account!.LockoutEnd);
    }

    [Fact]
    public async Task ASuccessfulSignIn_ResetsTheCount()
    {
        await _service.CreateAsync("maria", StaffRole.Agent, "twelve chars!", default);
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 4; i++)
            {
                await _service.SignInAsync("maria", "wrong password", default);
            }

            Assert.Equal(SignInStatus.SignedIn, (await _service.SignInAsync("maria", "twelve chars!", default)).Status);
        }

        Assert.Equal(0, (await _directory.FindAsync("maria", default))!.FailedAttempts);
    }

    [Fact]
    public async Task AnOldHash_IsReplacedWithTheConfiguredIterations_AtSignIn()
    {
        await _service.CreateAsync("maria", StaffRole.Agent, "twelve chars!", default);
        var stronger = new StaffAccountService(_directory, new PasswordHasher(PasswordHasher.MinIterations + 1), StaffLockoutPolicy.Default, _clock);

        var result = await stronger.SignInAsync("maria", "twelve chars!", default);

        Assert.Equal(SignInStatus.SignedIn, result.Status);
        Assert.Equal(PasswordHasher.MinIterations + 1, PasswordHasher.IterationsOf((await _directory.FindAsync("maria", default))!.PasswordHash));
    }

    [Fact]
    public async Task Create_RefusesBadNames_ShortPasswords_AndTakenNames()
    {
        await _service.CreateAsync("maria", StaffRole.Agent, "twelve chars!", default);

        Assert.Equal(StaffAccountError.InvalidUsername, (await _service.CreateAsync("ma", StaffRole.Agent, "twelve chars!", default)).Error);
        Assert.Equal(StaffAccountError.InvalidUsername, (await _service.CreateAsync("maria smith", StaffRole.Agent, "twelve chars!", default)).Error);
        Assert.Equal(StaffAccountError.InvalidUsername, (await _service.CreateAsync(new string('a', 33), StaffRole.Agent, "twelve chars!", default)).Error);
        Assert.Equal(StaffAccountError.InvalidUsername, (await _service.CreateAsync("márta", StaffRole.Agent, "twelve chars!", default)).Error);
        Assert.Equal(StaffAccountError.UnacceptablePassword, (await _service.CreateAsync("peter", StaffRole.Agent, "eleven char", default)).Error);
        Assert.Equal(StaffAccountError.UsernameTaken, (await _service.CreateAsync("Maria", StaffRole.Admin, "twelve chars!", default)).Error);
        Assert.True((await _service.CreateAsync("a.b_c-9", StaffRole.Agent, "twelve chars!", default)).Succeeded);
    }

    [Fact]
    public async Task SetPassword_ChangesTheStamp_LiftsALockout_AndOnlyTheNewPasswordWorks()
    {
        var created = (await _service.CreateAsync("maria", StaffRole.Agent, "twelve chars!", default)).Account!;
        for (var i = 0; i < 5; i++)
        {
            await _service.SignInAsync("maria", "wrong password", default);
        }

        var change = await _service.SetPasswordAsync("maria", "a new password", default);

        Assert.True(change.Succeeded);
        Assert.NotEqual(created.SecurityStamp, change.Account!.SecurityStamp);
        Assert.Equal(SignInStatus.WrongCredentials, (await _service.SignInAsync("maria", "twelve chars!", default)).Status);
        Assert.Equal(SignInStatus.SignedIn, (await _service.SignInAsync("maria", "a new password", default)).Status);
        Assert.Equal(StaffAccountError.NotFound, (await _service.SetPasswordAsync("nobody", "a new password", default)).Error);
    }

    [Fact]
    public async Task RevokeSessions_ChangesOnlyTheStamp()
    {
        var created = (await _service.CreateAsync("maria", StaffRole.Agent, "twelve chars!", default)).Account!;

        var revoked = (await _service.RevokeSessionsAsync("maria", default)).Account!;

        Assert.NotEqual(created.SecurityStamp, revoked.SecurityStamp);
        Assert.Equal(created with { SecurityStamp = revoked.SecurityStamp, Version = revoked.Version }, revoked);
        Assert.Equal(SignInStatus.SignedIn, (await _service.SignInAsync("maria", "twelve chars!", default)).Status);
    }

    [Fact]
    public void Roles_AreWrittenInLowerCase_AndNothingElseParses()
    {
        Assert.Equal(["agent", "supervisor", "admin"], Enum.GetValues<StaffRole>().Select(StaffNames.RoleName));
        Assert.True(StaffNames.TryParseRole("supervisor", out var role));
        Assert.Equal(StaffRole.Supervisor, role);
        Assert.False(StaffNames.TryParseRole("Admin", out _));
        Assert.False(StaffNames.TryParseRole("root", out _));
        Assert.False(StaffNames.TryParseRole(null, out _));
    }
}
