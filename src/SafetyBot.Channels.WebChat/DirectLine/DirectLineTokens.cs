using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SafetyBot.Channels.WebChat.DirectLine;

/// <summary>Claims of a Direct Line token: one conversation, one user, a lifetime.</summary>
public sealed record DirectLineClaims(
    [property: JsonPropertyName("conv")] string ConversationId,
    [property: JsonPropertyName("user")] string UserId,
    [property: JsonPropertyName("iat")] long IssuedAt,
    [property: JsonPropertyName("exp")] long ExpiresAt,
    [property: JsonPropertyName("loc")] string? Locale = null,
    [property: JsonPropertyName("iss")] string Issuer = DirectLineTokens.Issuer);

public enum TokenStatus
{
    Valid,
    Expired,
    Invalid,
}

/// <summary>
/// Issues and checks Direct Line tokens: compact HS256 JWTs bound to one conversation and one user id
/// (<c>dl_…</c>, read by Web Chat from the <c>user</c> claim).
/// </summary>
public sealed partial class DirectLineTokens
{
    public const string Issuer = "safetybot";
    private static readonly byte[] Header = Encoding.UTF8.GetBytes(Base64Url.EncodeToString("""{"alg":"HS256","typ":"JWT"}"""u8));
    private readonly byte[] _key;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _lifetime;

    public DirectLineTokens(IOptions<DirectLineOptions> options, TimeProvider clock, ILogger<DirectLineTokens> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _clock = clock;
        _lifetime = options.Value.TokenLifetime;
        if (!string.IsNullOrWhiteSpace(options.Value.TokenSigningKey))
        {
            _key = Convert.FromBase64String(options.Value.TokenSigningKey);
        }
        else if (!string.IsNullOrWhiteSpace(options.Value.Secret))
        {
            _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(options.Value.Secret), 32, info: "safetybot directline token"u8.ToArray());
        }
        else
        {
            _key = RandomNumberGenerator.GetBytes(32);
            LogEphemeralKey(logger);
        }
    }

    public TimeSpan Lifetime => _lifetime;

    public static string NewConversationId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(18));

    public static string NewUserId() => "dl_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    public string Issue(string conversationId, string userId, string? locale = null)
    {
        var now = _clock.GetUtcNow().ToUnixTimeSeconds();
        var claims = new DirectLineClaims(conversationId, userId, now, now + (long)_lifetime.TotalSeconds, locale);
        var payload = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(claims, TokenJson.Default.DirectLineClaims));
        var signingInput = Encoding.UTF8.GetString(Header) + "." + payload;
        return signingInput + "." + Base64Url.EncodeToString(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(signingInput)));
    }

    public TokenStatus Validate(string? token, out DirectLineClaims? claims)
    {
        claims = null;
        if (string.IsNullOrEmpty(token) || token.Length > 2048)
        {
            return TokenStatus.Invalid;
        }

        var parts = token.Split('.');
        if (parts.Length != 3 || !Encoding.UTF8.GetBytes(parts[0]).AsSpan().SequenceEqual(Header))
        {
            return TokenStatus.Invalid;
        }

        Span<byte> signature = stackalloc byte[64];
        if (!Base64Url.TryDecodeFromChars(parts[2], signature, out var signatureLength) || signatureLength != 32)
        {
            return TokenStatus.Invalid;
        }

        var expected = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(parts[0] + "." + parts[1]));
        if (!CryptographicOperations.FixedTimeEquals(expected, signature[..signatureLength]))
        {
            return TokenStatus.Invalid;
        }

        try
        {
            claims = JsonSerializer.Deserialize(Base64Url.DecodeFromChars(parts[1]), TokenJson.Default.DirectLineClaims);
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            return TokenStatus.Invalid;
        }

        if (claims is null || claims.Issuer != Issuer || string.IsNullOrEmpty(claims.ConversationId) || string.IsNullOrEmpty(claims.UserId))
        {
            claims = null;
            return TokenStatus.Invalid;
        }

        return _clock.GetUtcNow().ToUnixTimeSeconds() >= claims.ExpiresAt ? TokenStatus.Expired : TokenStatus.Valid;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Neither DirectLine:TokenSigningKey nor DirectLine:Secret is set: web chat tokens are signed with a random key, valid on this host only until it restarts. Set DirectLine__TokenSigningKey when several hosts serve web chat.")]
    private static partial void LogEphemeralKey(ILogger logger);
}

[JsonSerializable(typeof(DirectLineClaims))]
internal sealed partial class TokenJson : JsonSerializerContext;
