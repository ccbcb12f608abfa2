using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SafetyBot.Core.Transcripts;

public sealed class TranscriptOptions
{
    public const string SectionName = "Transcripts";

    /// <summary>Base64 of a 32-byte AES key. Empty: a random key for this process only (development).</summary>
    public string? EncryptionKey { get; set; }
}

/// <summary>
/// Encrypts transcript entries with AES-256-GCM. The conversation key is the associated data, so an
/// entry copied to another conversation fails to decrypt instead of appearing there.
/// Layout: version (1) | nonce (12) | tag (16) | ciphertext.
/// </summary>
public sealed partial class TranscriptCipher : IDisposable
{
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    // AesGcm is not safe to share between threads; one per thread avoids a key schedule per entry.
    private readonly ThreadLocal<AesGcm> _aes;

    public TranscriptCipher(IOptions<TranscriptOptions> options, ILogger<TranscriptCipher> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configured = options.Value.EncryptionKey;
        if (string.IsNullOrWhiteSpace(configured))
        {
            _key = RandomNumberGenerator.GetBytes(32);
            IsEphemeral = true;
            LogEphemeralKey(logger);
        }
        else
        {
            _key = ParseKey(configured);
        }

        _aes = new ThreadLocal<AesGcm>(() => new AesGcm(_key, TagSize), trackAllValues: true);
    }

    public bool IsEphemeral { get; }

    public void Dispose()
    {
        foreach (var aes in _aes.Values)
        {
            aes.Dispose();
        }

        _aes.Dispose();
    }

    public static byte[] ParseKey(string base64)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException)
        {
            throw new OptionsValidationException(TranscriptOptions.SectionName, typeof(TranscriptOptions),
                ["Transcripts:EncryptionKey must be base64 of 32 random bytes (e.g. `openssl rand -base64 32`)."]);
        }

        if (key.Length != 32)
        {
            throw new OptionsValidationException(TranscriptOptions.SectionName, typeof(TranscriptOptions),
                ["Transcripts:EncryptionKey must decode to exactly 32 bytes."]);
        }

        return key;
    }

    public byte[] Encrypt(string conversationKey, TranscriptEntry entry)
    {
        var plain = JsonSerializer.SerializeToUtf8Bytes(entry, TranscriptJson.Default.TranscriptEntry);
        try
        {
            return Seal(conversationKey, plain);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    public TranscriptEntry Decrypt(string conversationKey, ReadOnlySpan<byte> sealedEntry) =>
        JsonSerializer.Deserialize(Open(conversationKey, sealedEntry), TranscriptJson.Default.TranscriptEntry)
            ?? throw new CryptographicException("Empty transcript entry.");

    /// <summary>Encrypts any words SafetyBot must keep for a while (a transcript entry, a reply waiting to go out).</summary>
    public byte[] Seal(string associatedData, ReadOnlySpan<byte> plain)
    {
        ArgumentNullException.ThrowIfNull(associatedData);
        var output = new byte[1 + NonceSize + TagSize + plain.Length];
        output[0] = Version;
        var nonce = output.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        _aes.Value!.Encrypt(nonce, plain, output.AsSpan(1 + NonceSize + TagSize), output.AsSpan(1 + NonceSize, TagSize),
            Encoding.UTF8.GetBytes(associatedData));
        return output;
    }

    /// <summary>Decrypts what <see cref="Seal"/> made with the same associated data; throws <see cref="CryptographicException"/> otherwise.</summary>
    public byte[] Open(string associatedData, ReadOnlySpan<byte> sealedData)
    {
        ArgumentNullException.ThrowIfNull(associatedData);
        if (sealedData.Length < 1 + NonceSize + TagSize || sealedData[0] != Version)
        {
            throw new CryptographicException("Not sealed by SafetyBot.");
        }

        var plain = new byte[sealedData.Length - 1 - NonceSize - TagSize];
        _aes.Value!.Decrypt(sealedData.Slice(1, NonceSize), sealedData[(1 + NonceSize + TagSize)..],
            sealedData.Slice(1 + NonceSize, TagSize), plain, Encoding.UTF8.GetBytes(associatedData));
        return plain;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Transcripts:EncryptionKey is not set: transcripts are encrypted with a random key that is lost when this process stops. Set Transcripts__EncryptionKey in production.")]
    private static partial void LogEphemeralKey(ILogger logger);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(TranscriptEntry))]
internal sealed partial class TranscriptJson : System.Text.Json.Serialization.JsonSerializerContext;
