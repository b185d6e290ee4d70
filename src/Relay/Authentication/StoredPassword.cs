using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SmarthostLab.Relay.Authentication;

/// <summary>
/// A configured password, parsed once at start: a PBKDF2-HMAC-SHA256 hash (RFC 8018 5.2) written
/// <c>pbkdf2-sha256$&lt;iterations&gt;$&lt;salt base64&gt;$&lt;hash base64&gt;</c>, or a lab's plain text written
/// <c>plain:&lt;password&gt;</c>. <see cref="Verify"/> compares in constant time (the plain text through SHA-256 digests,
/// so not even its length shows).
/// </summary>
public sealed class StoredPassword
{
    /// <summary>The prefix of a hash.</summary>
    public const string HashPrefix = "pbkdf2-sha256$";

    /// <summary>The prefix of a plain-text password.</summary>
    public const string PlainPrefix = "plain:";

    /// <summary>Iterations of a new hash (OWASP's 2023 figure for PBKDF2-HMAC-SHA256).</summary>
    public const int DefaultIterations = 600_000;

    /// <summary>Fewest iterations accepted.</summary>
    public const int MinIterations = 1_000;

    /// <summary>Most iterations accepted (each AUTH costs one derivation).</summary>
    public const int MaxIterations = 10_000_000;

    private const int SaltLength = 16;
    private const int HashLength = 32;

    private readonly int _iterations; // 0: plain text
    private readonly byte[] _salt;
    private readonly byte[] _expected; // the hash, or the SHA-256 of the plain text

    private StoredPassword(int iterations, byte[] salt, byte[] expected)
    {
        _iterations = iterations;
        _salt = salt;
        _expected = expected;
    }

    /// <summary>True for a PBKDF2 hash, false for plain text.</summary>
    public bool IsHash => _iterations > 0;

    /// <summary>PBKDF2 iterations; 0 for plain text.</summary>
    public int Iterations => _iterations;

    /// <summary>
    /// Parses a configured value. False with <paramref name="problem"/> (never the value itself, which may be a
    /// password) when it is neither form.
    /// </summary>
    public static bool TryParse(string? value, out StoredPassword password, out string problem)
    {
        password = null!;
        problem = "";
        if (value is null || value.Length == 0)
        {
            problem = $"must not be empty: give '{HashPrefix}…' (smarthostlab-relay hash-password) or '{PlainPrefix}<password>'";
            return false;
        }
        if (value.StartsWith(PlainPrefix, StringComparison.Ordinal))
        {
            if (value.Length == PlainPrefix.Length)
            {
                problem = $"'{PlainPrefix}' must be followed by the password";
                return false;
            }
            password = new StoredPassword(0, [], SHA256.HashData(Encoding.UTF8.GetBytes(value[PlainPrefix.Length..])));
            return true;
        }
        if (!value.StartsWith(HashPrefix, StringComparison.Ordinal))
        {
            problem = $"must start with '{HashPrefix}' (a hash from smarthostlab-relay hash-password) or '{PlainPrefix}' (plain text, for labs)";
            return false;
        }
        var parts = value.Split('$');
        const string shape = $"must be {HashPrefix}<iterations>$<salt base64>$<hash base64>, as smarthostlab-relay hash-password prints it";
        if (parts.Length != 4
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations)
            || !TryBase64(parts[2], out var salt) || !TryBase64(parts[3], out var hash))
        {
            problem = shape;
            return false;
        }
        if (iterations is < MinIterations or > MaxIterations)
        {
            problem = $"{iterations} iterations: must be {MinIterations}…{MaxIterations}";
            return false;
        }
        if (salt.Length < 8 || hash.Length < 16)
        {
            problem = $"salt of {salt.Length} and hash of {hash.Length} octets: at least 8 and 16 ({shape})";
            return false;
        }
        password = new StoredPassword(iterations, salt, hash);
        return true;
    }

    /// <summary>A new hash of <paramref name="password"/> with a random 16-octet salt, in the configured form.</summary>
    public static string Hash(string password, int iterations = DefaultIterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, MinIterations);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterations, MaxIterations);
        var salt = RandomNumberGenerator.GetBytes(SaltLength);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashLength);
        return string.Create(CultureInfo.InvariantCulture, $"{HashPrefix}{iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    /// <summary>A hash nobody's password matches, with the given cost: verified for unknown users so they take as long.</summary>
    public static StoredPassword Unmatchable(int iterations) =>
        iterations == 0 ? new StoredPassword(0, [], new byte[32]) : new StoredPassword(iterations, new byte[SaltLength], new byte[HashLength]);

    /// <summary>True when <paramref name="password"/> is this one; constant time in its content.</summary>
    public bool Verify(string password)
    {
        var utf8 = Encoding.UTF8.GetBytes(password);
        var actual = IsHash
            ? Rfc2898DeriveBytes.Pbkdf2(utf8, _salt, _iterations, HashAlgorithmName.SHA256, _expected.Length)
            : SHA256.HashData(utf8);
        return CryptographicOperations.FixedTimeEquals(actual, _expected);
    }

    private static bool TryBase64(string text, out byte[] bytes)
    {
        bytes = new byte[text.Length];
        if (!Convert.TryFromBase64String(text, bytes, out var written))
        {
            bytes = [];
            return false;
        }
        bytes = bytes[..written];
        return true;
    }
}
