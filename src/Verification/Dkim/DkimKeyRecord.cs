using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace SmarthostLab.Verification.Dkim;

/// <summary>
/// A DKIM key record (RFC 6376 3.6.1; k=ed25519 from RFC 8463 4), the TXT record at
/// <c>selector._domainkey.domain</c>. Immutable once parsed.
/// </summary>
public sealed class DkimKeyRecord
{
    private PlatformRsaKey? _platformRsa;

    private DkimKeyRecord(
        string keyType,
        IReadOnlyList<string>? hashAlgorithms,
        IReadOnlyList<string> serviceTypes,
        IReadOnlyList<string> flags,
        string? notes,
        byte[] publicKeyData,
        AsymmetricKeyParameter? publicKey,
        int keyBits)
    {
        KeyType = keyType;
        HashAlgorithms = hashAlgorithms;
        ServiceTypes = serviceTypes;
        Flags = flags;
        Notes = notes;
        PublicKeyData = publicKeyData;
        PublicKey = publicKey;
        KeyBits = keyBits;
    }

    /// <summary>k=: "rsa" (the default) or "ed25519".</summary>
    public string KeyType { get; }

    /// <summary>h=: acceptable hash algorithms ("sha1", "sha256"); null when absent (all allowed).</summary>
    public IReadOnlyList<string>? HashAlgorithms { get; }

    /// <summary>s=: service types; default "*".</summary>
    public IReadOnlyList<string> ServiceTypes { get; }

    /// <summary>t=: flags ("y" testing, "s" strict identity).</summary>
    public IReadOnlyList<string> Flags { get; }

    /// <summary>n=: notes, if any.</summary>
    public string? Notes { get; }

    /// <summary>p= decoded; empty when the key is revoked.</summary>
    public ReadOnlyMemory<byte> PublicKeyData { get; }

    /// <summary>True when p= is empty: the key has been revoked (RFC 6376 3.6.1).</summary>
    public bool IsRevoked => PublicKeyData.IsEmpty;

    /// <summary>t=y: the domain is testing DKIM.</summary>
    public bool IsTesting => Flags.Contains("y");

    /// <summary>t=s: the i= domain must equal d= exactly (no subdomains).</summary>
    public bool IsStrict => Flags.Contains("s");

    /// <summary>Key length in bits (RSA modulus size; 256 for Ed25519; 0 when revoked).</summary>
    public int KeyBits { get; }

    /// <summary>The decoded public key; null when revoked.</summary>
    internal AsymmetricKeyParameter? PublicKey { get; }

    /// <summary>The RSA key for the platform verifier; null unless k=rsa. Created on first use and shared (records are cached); a race only builds a spare that is dropped.</summary>
    internal PlatformRsaKey? PlatformRsa => _platformRsa ??= PublicKey is RsaKeyParameters rsa ? PlatformRsaKey.FromPublic(rsa) : null;

    /// <summary>True when h= allows <paramref name="hash"/> ("sha1" or "sha256").</summary>
    public bool AllowsHash(string hash) => HashAlgorithms is null || HashAlgorithms.Contains(hash, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Parses a key record: v= if present must be first and "DKIM1"; k= rsa|ed25519; p= required
    /// (empty = revoked) and must decode to a key of the k= type; s= must include "email" or "*";
    /// unknown tags are ignored (RFC 6376 3.6.1).
    /// </summary>
    /// <param name="text">The TXT record, character-strings already concatenated.</param>
    /// <param name="record">The record on success.</param>
    /// <param name="error">Why parsing failed, in one line.</param>
    public static bool TryParse(string text, out DkimKeyRecord? record, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        record = null;
        if (!TagList.TryParse(text, out var tags, out error))
        {
            return false;
        }

        var v = tags["v"];
        if (v is not null && (tags.Tags[0].Key != "v" || v != "DKIM1"))
        {
            error = tags.Tags[0].Key != "v" ? "v= is not the first tag" : $"unsupported key record version v={TagList.OneLine(v)}";
            return false;
        }

        var keyType = tags["k"] ?? "rsa";
        if (keyType is not ("rsa" or "ed25519"))
        {
            error = $"unknown key type k={TagList.OneLine(keyType)}";
            return false;
        }

        IReadOnlyList<string>? hashes = tags["h"] is { } h ? SplitColon(h) : null;
        var services = tags["s"] is { } s ? SplitColon(s) : ["*"];
        if (!services.Contains("*") && !services.Contains("email"))
        {
            error = $"key not for email (s={TagList.OneLine(tags["s"]!)})";
            return false;
        }

        var flags = tags["t"] is { } t ? SplitColon(t) : [];
        var p = tags["p"];
        if (p is null)
        {
            error = "key record has no p= tag";
            return false;
        }

        p = TagList.StripWhiteSpace(p);
        if (p.Length == 0)
        {
            record = new DkimKeyRecord(keyType, hashes, services, flags, tags["n"], [], null, 0);
            return true;
        }

        byte[] data;
        try
        {
            data = Convert.FromBase64String(p);
        }
        catch (FormatException)
        {
            error = "p= is not valid base64";
            return false;
        }

        if (!TryDecodeKey(keyType, data, out var key, out var bits, out error))
        {
            return false;
        }

        record = new DkimKeyRecord(keyType, hashes, services, flags, tags["n"], data, key, bits);
        return true;
    }

    private static bool TryDecodeKey(string keyType, byte[] data, out AsymmetricKeyParameter? key, out int bits, out string? error)
    {
        key = null;
        bits = 0;
        error = null;
        if (keyType == "ed25519")
        {
            // RFC 8463 4.2: p= is the raw 32-octet public key.
            if (data.Length != Ed25519PublicKeyParameters.KeySize)
            {
                error = $"ed25519 key is {data.Length} octets, not 32";
                return false;
            }

            try
            {
                key = new Ed25519PublicKeyParameters(data, 0);
            }
            catch (ArgumentException)
            {
                // 32 octets that are not a point of the curve (found by fuzzing: fuzz/regressions/dkim).
                error = "p= is not a valid Ed25519 public key";
                return false;
            }

            bits = 256;
            return true;
        }

        try
        {
            // RFC 6376 3.6.1: a DER SubjectPublicKeyInfo; some publishers put a bare PKCS#1 RSAPublicKey.
            var asn1 = Asn1Object.FromByteArray(data);
            if (asn1 is Asn1Sequence seq && seq.Count == 2 && seq[0] is DerInteger modulus && seq[1] is DerInteger exponent)
            {
                key = new RsaKeyParameters(false, modulus.PositiveValue, exponent.PositiveValue);
            }
            else
            {
                key = PublicKeyFactory.CreateKey(SubjectPublicKeyInfo.GetInstance(asn1));
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or IOException or SecurityUtilityException or InvalidOperationException)
        {
            error = "p= is not a valid RSA public key";
            return false;
        }

        if (key is not RsaKeyParameters rsa)
        {
            error = "p= is not an RSA key though k=rsa";
            key = null;
            return false;
        }

        bits = rsa.Modulus.BitLength;
        return true;
    }

    private static string[] SplitColon(string value) =>
        value.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
