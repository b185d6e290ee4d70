using System.Buffers;
using System.Security.Cryptography;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace SmarthostLab.Verification.Dkim;

/// <summary>
/// MimeKit's DKIM canonicalization and signature checks (RFC 6376 3.4, 3.7), split so the body hash
/// and the header signature report separately. Keys come from our own DNS path, so the locator is unused.
/// Stateless apart from the enabled algorithms; safe to share.
/// </summary>
internal sealed class DkimCrypto : DkimVerifierBase
{
    public DkimCrypto()
        : base(NoLocator.Instance)
    {
        Enable(DkimSignatureAlgorithm.RsaSha1);
        Enable(DkimSignatureAlgorithm.RsaSha256);
        Enable(DkimSignatureAlgorithm.Ed25519Sha256);
        MinimumRsaKeyLength = 512;
    }

    /// <summary>True when the canonical body (its first l= octets when the signature has l=) hashes to bh=.</summary>
    /// <exception cref="FormatException">bh= is not base64.</exception>
    public static bool CheckBodyHash(ParsedMessage message, DkimSignatureHeader sig)
    {
        // Room for any base64 that could be a hash; a longer value can only mismatch.
        Span<byte> expected = stackalloc byte[64];
        if (!Convert.TryFromBase64String(sig.BodyHash, expected, out var expectedLength))
        {
            // Not base64 (FromBase64String throws; reported as permerror), or too long to be a hash: a mismatch.
            _ = Convert.FromBase64String(sig.BodyHash);
            return false;
        }

        var algorithm = sig.Algorithm == DkimSignatureAlgorithm.RsaSha1 ? HashAlgorithmName.SHA1 : HashAlgorithmName.SHA256;
        Span<byte> actual = stackalloc byte[SHA256.HashSizeInBytes];
        var length = DkimBodyHash.Compute(message.Bytes, message.BodyOffset, sig.BodyCanonicalization, sig.BodyLength, algorithm, actual);
        return actual[..length].SequenceEqual(expected[..expectedLength]);
    }

    /// <summary>
    /// True when b= verifies over the signed headers and the signature header itself. RSA goes
    /// through the platform RSA (MimeKit's verify context is internal, so the header hash input
    /// comes from <see cref="DkimHeaderCanonicalizer"/>); Ed25519 through MimeKit and BouncyCastle.
    /// </summary>
    /// <exception cref="FormatException">b= is not base64.</exception>
    public bool CheckSignature(ParsedMessage message, Header header, DkimSignatureHeader sig, DkimKeyRecord key)
    {
        if (sig.Algorithm is DkimSignatureAlgorithm.RsaSha256 or DkimSignatureAlgorithm.RsaSha1 && key.PlatformRsa is { } rsa)
        {
            return CheckRsaSignature(message.Headers, header, sig, rsa);
        }

        // MimeKit verifies against its own parse of the message: hand it that parse's copy of the field.
        var full = message.Message;
        var same = full.Headers.First(h => h.Id == HeaderId.DkimSignature && h.RawValue.AsSpan().SequenceEqual(header.RawValue));
        return VerifySignature(MessageParsing.CrlfFormat, full, same, sig.Algorithm, key.PublicKey!, sig.SignedHeaders, sig.HeaderCanonicalization, sig.Signature);
    }

    /// <summary>RFC 6376 3.7 hash of the header input, then RSASSA-PKCS1-v1_5 verification with the platform RSA.</summary>
    internal static bool CheckRsaSignature(HeaderList headers, Header header, DkimSignatureHeader sig, PlatformRsaKey key)
    {
        var signature = Convert.FromBase64String(sig.Signature);
        var input = new ArrayBufferWriter<byte>(1024);
        DkimHeaderCanonicalizer.Write(input, headers, header, sig.SignedHeaders, sig.HeaderCanonicalization);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        if (sig.Algorithm == DkimSignatureAlgorithm.RsaSha1)
        {
            var length = SHA1.HashData(input.WrittenSpan, hash);
            return key.VerifyHash(hash[..length], signature, HashAlgorithmName.SHA1);
        }

        SHA256.HashData(input.WrittenSpan, hash);
        return key.VerifyHash(hash, signature, HashAlgorithmName.SHA256);
    }

    private sealed class NoLocator : DkimPublicKeyLocatorBase
    {
        public static readonly NoLocator Instance = new();

        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("Keys are located through IDnsResolver.");

        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("Keys are located through IDnsResolver.");
    }
}
