using System.Security.Cryptography;
using System.Text;
using SafetyBot.Core.Staff;

namespace SafetyBot.Core.Tests.Staff;

public sealed class PasswordHasherTests
{
    private static readonly PasswordHasher Hasher = new(PasswordHasher.MinIterations);

    [Fact]
    public void Hash_IsVersionedPbkdf2Sha256_WithIterations_A16ByteSalt_AndA32ByteKey()
    {
        var hash = Hasher.Hash("correct horse battery staple");

        var parts = hash.Split('$');
        Assert.Equal(4, parts.Length);
        Assert.Equal("pbkdf2-sha256", parts[0]);
        Assert.Equal("100000", parts[1]);
        Assert.Equal(16, Convert.FromBase64String(parts[2]).Length);
        Assert.Equal(32, Convert.FromBase64String(parts[3]).Length);
    }

    [Fact]
    public void Hash_IsStandardPbkdf2_SoOtherToolsCanCheckIt()
    {
        var parts = Hasher.Hash("пароль з пробілами 🔑").Split('$');

        var expected = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes("пароль з пробілами 🔑"), Convert.FromBase64String(parts[2]), 100_000, HashAlgorithmName.SHA256, 32);

        Assert.Equal(Convert.ToBase64String(expected), parts[3]);
    }

    [Fact]
    public void TheSamePassword_GetsADifferentSaltEachTime()
    {
        Assert.NotEqual(Hasher.Hash("same password here"), Hasher.Hash("same password here"));
    }

    [Fact]
    public void Verify_AcceptsTheRightPassword_AndRefusesAWrongOne()
    {
        var hash = Hasher.Hash("the right password");

        Assert.Equal(PasswordCheck.Right, Hasher.Verify(hash, "the right password"));
        Assert.Equal(PasswordCheck.Wrong, Hasher.Verify(hash, "the right passwor"));
        Assert.Equal(PasswordCheck.Wrong, Hasher.Verify(hash, "The right password"));
        Assert.Equal(PasswordCheck.Wrong, Hasher.Verify(hash, string.Empty));
    }

    [Fact]
    public void AHashWithFewerIterationsThanConfigured_StillVerifies_ButAsksForARehash()
    {
        var stronger = new PasswordHasher(PasswordHasher.MinIterations + 50_000);
        var old = Hasher.Hash("an older password hash");

        Assert.Equal(PasswordCheck.RightButRehash, stronger.Verify(old, "an older password hash"));
        Assert.Equal(PasswordCheck.Wrong, stronger.Verify(old, "not the password"));
        Assert.Equal(PasswordCheck.Right, Hasher.Verify(stronger.Hash("x-password-123"), "x-password-123"));
        Assert.Equal(150_000, PasswordHasher.IterationsOf(stronger.Hash("x-password-123")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain text")]
    [InlineData("pbkdf2-sha256$100000$bm90IGJhc2U2NA")]
    [InlineData("pbkdf2-sha1$100000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$-5$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$999999999$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$100000$!!!$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA==$AAAA")]
    public void AStoredValueThatCannotBeRead_NeverMatches_AndNeverThrows(string stored)
    {
        Assert.Equal(PasswordCheck.Wrong, Hasher.Verify(stored, "anything at all"));
    }

    [Fact]
    public void IterationsBelowTheFloor_AreRefused_AndTheDefaultIs600000()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PasswordHasher(99_999));
        Assert.Equal(600_000, new PasswordHasher().Iterations);
    }

    [Fact]
    public void TheDecoyCheck_RunsAFullDerivation_AndMatchesNothing()
    {
        // The unknown-username path: it must cost a real check, so its timing does not give the name away.
        Hasher.VerifyDecoy("whatever someone typed");
    }
}
