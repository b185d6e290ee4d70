using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.X509;

namespace SmarthostLab.Verification.Dkim;

/// <summary>
/// A private key a domain signs with (RFC 6376 3.3 rsa-sha256, RFC 8463 ed25519-sha256), with the
/// domain (d=) and selector (s=) it is published under. Immutable; safe to share.
/// </summary>
public sealed class DkimSigningKey
{
    private PlatformRsaKey? _platformRsa;

    private DkimSigningKey(AsymmetricKeyParameter privateKey, AsymmetricKeyParameter publicKey, string domain, string selector)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(domain);
        ArgumentException.ThrowIfNullOrWhiteSpace(selector);
        PrivateKey = privateKey;
        PublicKey = publicKey;
        Domain = domain.Trim().TrimEnd('.').ToLowerInvariant();
        Selector = selector.Trim();
    }

    /// <summary>d=.</summary>
    public string Domain { get; }

    /// <summary>s=.</summary>
    public string Selector { get; }

    /// <summary>"rsa" or "ed25519" (the key record's k=).</summary>
    public string KeyType => PrivateKey is Ed25519PrivateKeyParameters ? "ed25519" : "rsa";

    /// <summary>a= this key signs with: "rsa-sha256" or "ed25519-sha256".</summary>
    public string Algorithm => KeyType == "ed25519" ? "ed25519-sha256" : "rsa-sha256";

    /// <summary>The DNS name the public key is published at: <c>selector._domainkey.domain</c>.</summary>
    public string RecordName => $"{Selector}._domainkey.{Domain}";

    /// <summary>The TXT record to publish (RFC 6376 3.6.1): <c>v=DKIM1; k=…; p=…</c>.</summary>
    public string PublicKeyRecord
    {
        get
        {
            var p = PublicKey is Ed25519PublicKeyParameters ed
                ? Convert.ToBase64String(ed.GetEncoded())
                : Convert.ToBase64String(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(PublicKey).GetDerEncoded());
            return $"v=DKIM1; k={KeyType}; p={p}";
        }
    }

    internal AsymmetricKeyParameter PrivateKey { get; }

    internal AsymmetricKeyParameter PublicKey { get; }

    /// <summary>The RSA key for the platform signer; null for Ed25519. Created on first use and shared; a race only builds a spare that is dropped.</summary>
    internal PlatformRsaKey? PlatformRsa => _platformRsa ??= PrivateKey is RsaPrivateCrtKeyParameters rsa ? PlatformRsaKey.FromPrivate(rsa) : null;

    /// <summary>Loads a PEM file: RSA (PKCS#1 "RSA PRIVATE KEY" or PKCS#8 "PRIVATE KEY") or Ed25519 (PKCS#8).</summary>
    /// <exception cref="FormatException">The file holds no supported private key.</exception>
    public static DkimSigningKey LoadPem(string path, string domain, string selector)
    {
        ArgumentNullException.ThrowIfNull(path);
        return FromPem(File.ReadAllText(path), domain, selector);
    }

    /// <summary>Parses PEM text; see <see cref="LoadPem"/>.</summary>
    /// <exception cref="FormatException">The text holds no supported private key.</exception>
    public static DkimSigningKey FromPem(string pem, string domain, string selector)
    {
        ArgumentNullException.ThrowIfNull(pem);
        object? obj;
        try
        {
            using var reader = new PemReader(new StringReader(pem));
            obj = reader.ReadObject();
        }
        catch (Exception e) when (e is IOException or PemException or ArgumentException or InvalidCastException)
        {
            throw new FormatException("not a PEM private key: " + e.Message, e);
        }

        return obj switch
        {
            AsymmetricCipherKeyPair pair => Create(pair.Private, domain, selector),
            AsymmetricKeyParameter { IsPrivate: true } key => Create(key, domain, selector),
            _ => throw new FormatException("the PEM text holds no private key"),
        };
    }

    /// <summary>An Ed25519 key from its 32-octet seed (RFC 8032 5.1.5), as dkimpy and RFC 8463 A.1 publish it.</summary>
    public static DkimSigningKey FromEd25519Seed(ReadOnlySpan<byte> seed, string domain, string selector)
    {
        if (seed.Length != Ed25519PrivateKeyParameters.KeySize)
        {
            throw new FormatException($"an Ed25519 seed is 32 octets, not {seed.Length}");
        }

        return Create(new Ed25519PrivateKeyParameters(seed.ToArray(), 0), domain, selector);
    }

    private static DkimSigningKey Create(AsymmetricKeyParameter key, string domain, string selector) => key switch
    {
        RsaPrivateCrtKeyParameters rsa => new DkimSigningKey(rsa, new RsaKeyParameters(false, rsa.Modulus, rsa.PublicExponent), domain, selector),
        Ed25519PrivateKeyParameters ed => new DkimSigningKey(ed, ed.GeneratePublicKey(), domain, selector),
        _ => throw new FormatException($"unsupported key type {key.GetType().Name}; use RSA or Ed25519"),
    };
}
