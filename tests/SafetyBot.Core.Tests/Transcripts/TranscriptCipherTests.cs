using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SafetyBot.Core.Transcripts;

namespace SafetyBot.Core.Tests.Transcripts;

public sealed class TranscriptCipherTests
{
    private static TranscriptCipher Cipher(string? key = null) =>
        new(Options.Create(new TranscriptOptions { EncryptionKey = key ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) }), NullLogger<TranscriptCipher>.Instance);

    private static readonly TranscriptEntry Entry = new(DateTimeOffset.UtcNow, TranscriptRoles.User, "message", "he said to keep it secret");

    [Fact]
    public void SealedEntry_RoundTrips_AndHoldsNoPlainText()
    {
        var cipher = Cipher();

        var sealedEntry = cipher.Encrypt("conv-1", Entry);

        Assert.DoesNotContain("secret", Encoding.UTF8.GetString(sealedEntry), StringComparison.Ordinal);
        Assert.Equal(Entry, cipher.Decrypt("conv-1", sealedEntry));
    }

    [Fact]
    public void EntryMovedToAnotherConversation_DoesNotDecrypt()
    {
        var cipher = Cipher();
        var sealedEntry = cipher.Encrypt("conv-1", Entry);

        Assert.ThrowsAny<CryptographicException>(() => cipher.Decrypt("conv-2", sealedEntry));
    }

    [Fact]
    public void TamperedEntry_DoesNotDecrypt()
    {
        var cipher = Cipher();
        var sealedEntry = cipher.Encrypt("conv-1", Entry);
        sealedEntry[^1] ^= 0x01;

        Assert.ThrowsAny<CryptographicException>(() => cipher.Decrypt("conv-1", sealedEntry));
    }

    [Fact]
    public void SameKeyOnAnotherHost_Decrypts_ADifferentKeyDoesNot()
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var sealedEntry = Cipher(key).Encrypt("conv-1", Entry);

        Assert.Equal(Entry, Cipher(key).Decrypt("conv-1", sealedEntry));
        Assert.ThrowsAny<CryptographicException>(() => Cipher().Decrypt("conv-1", sealedEntry));
    }

    [Fact]
    public void WithoutAConfiguredKey_ARandomKeyIsUsed_AndFlagged()
    {
        var cipher = new TranscriptCipher(Options.Create(new TranscriptOptions()), NullLogger<TranscriptCipher>.Instance);

        Assert.True(cipher.IsEphemeral);
        Assert.Equal(Entry, cipher.Decrypt("c", cipher.Encrypt("c", Entry)));
    }

    [Theory]
    [InlineData("not base64!!")]
    [InlineData("c2hvcnQ=")]
    public void BadKey_IsRejectedWithTheSettingNamed(string key)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Cipher(key));

        Assert.Contains("Transcripts:EncryptionKey", error.Message, StringComparison.Ordinal);
    }
}
