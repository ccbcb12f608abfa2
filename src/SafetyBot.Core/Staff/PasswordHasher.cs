using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SafetyBot.Core.Staff;

/// <summary>The outcome of checking a password against a stored hash.</summary>
public enum PasswordCheck
{
    Wrong = 0,
    Right = 1,

    /// <summary>Right, but stored with fewer iterations than configured now: store a new hash.</summary>
    RightButRehash = 2,
}

/// <summary>
/// Staff passwords as PBKDF2-HMAC-SHA256 with a 16-byte random salt and a 32-byte key, stored as
/// <c>pbkdf2-sha256$&lt;iterations&gt;$&lt;salt base64&gt;$&lt;hash base64&gt;</c> so that the iteration count can be raised
/// later: a stored hash with fewer iterations still verifies, and <see cref="PasswordCheck.RightButRehash"/> says
/// to replace it.
/// </summary>
public sealed class PasswordHasher
{
    public const int MinIterations = 100_000;
    public const int DefaultIterations = 600_000;

    /// <summary>Above this a stored hash is treated as broken rather than spending minutes on it.</summary>
    public const int MaxIterations = 10_000_000;

    private const string Algorithm = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    private readonly Lazy<string> _decoy;

    public PasswordHasher(int iterations = DefaultIterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, MinIterations);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterations, MaxIterations);
        Iterations = iterations;
        _decoy = new Lazy<string>(() => Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(18))));
    }

    public int Iterations { get; }

    public string Hash(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Derive(password, salt, Iterations);
        return string.Create(CultureInfo.InvariantCulture, $"{Algorithm}${Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    /// <summary>Checks a password in constant time. A stored value that cannot be read never matches.</summary>
    public PasswordCheck Verify(string storedHash, string password)
    {
        ArgumentNullException.ThrowIfNull(storedHash);
        ArgumentNullException.ThrowIfNull(password);
        if (!TryParse(storedHash, out var iterations, out var salt, out var expected))
        {
            return PasswordCheck.Wrong;
        }

        var actual = Derive(password, salt, iterations);
        if (!CryptographicOperations.FixedTimeEquals(actual, expected))
        {
            return PasswordCheck.Wrong;
        }

        return iterations < Iterations ? PasswordCheck.RightButRehash : PasswordCheck.Right;
    }

    /// <summary>
    /// Spends the time of a real check against a hash nobody knows the password of, so that a sign-in for an
    /// unknown username takes as long as a wrong password.
    /// </summary>
    public void VerifyDecoy(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        _ = Verify(_decoy.Value, password);
    }

    /// <summary>The iteration count a stored hash was made with, or null when it cannot be read.</summary>
    public static int? IterationsOf(string storedHash) =>
        TryParse(storedHash, out var iterations, out _, out _) ? iterations : null;

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);

    private static bool TryParse(string? stored, out int iterations, out byte[] salt, out byte[] hash)
    {
        iterations = 0;
        salt = hash = [];
        var parts = stored?.Split('$');
        if (parts is not { Length: 4 } || parts[0] != Algorithm
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out iterations)
            || iterations is < 1 or > MaxIterations)
        {
            return false;
        }

        try
        {
            salt = Convert.FromBase64String(parts[2]);
            hash = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }

        return salt.Length >= 8 && hash.Length == HashBytes;
    }
}
