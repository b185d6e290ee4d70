using System.Buffers;
using System.Security.Cryptography;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace SmarthostLab.Verification.Dkim;

/// <summary>
/// The DKIM checks (RFC 6376 3.7; RFC 8463 for Ed25519), split so the body hash and the header signature report
/// separately: the body hashed from the bytes (<see cref="DkimBodyHash"/>), the header hash input from
/// <see cref="DkimHeaderCanonicalizer"/>, RSA through the platform and Ed25519 through BouncyCastle. Stateless.
/// </summary>
internal static class DkimCrypto
{
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
    /// True when b= verifies over the signed headers and the signature header itself: the RFC 6376 3.7 hash of
    /// the header input, then RSASSA-PKCS1-v1_5 with the platform RSA, or Ed25519 over the SHA-256 hash (RFC 8463 3).
    /// </summary>
    /// <exception cref="FormatException">b= is not base64.</exception>
    /// <exception cref="InvalidOperationException">The key cannot check this algorithm (the caller compares k= and a= first).</exception>
    public static bool CheckSignature(IReadOnlyList<Header> headers, Header header, DkimSignatureHeader sig, DkimKeyRecord key)
    {
        var signature = Convert.FromBase64String(sig.Signature);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var length = HeaderHash(headers, header, sig, hash);
        return sig.Algorithm switch
        {
            DkimSignatureAlgorithm.Ed25519Sha256 when key.PublicKey is Ed25519PublicKeyParameters ed =>
                signature.Length == Ed25519.SignatureSize && ed.Verify(Ed25519.Algorithm.Ed25519, null, hash.ToArray(), 0, length, signature, 0),
            DkimSignatureAlgorithm.RsaSha1 when key.PlatformRsa is { } rsa => rsa.VerifyHash(hash[..length], signature, HashAlgorithmName.SHA1),
            DkimSignatureAlgorithm.RsaSha256 when key.PlatformRsa is { } rsa => rsa.VerifyHash(hash[..length], signature, HashAlgorithmName.SHA256),
            _ => throw new InvalidOperationException($"no {sig.AlgorithmText} key"),
        };
    }

    /// <summary>The hash (SHA-1 for rsa-sha1, else SHA-256) of the header input of <paramref name="header"/> over <paramref name="headers"/>; returns its length.</summary>
    internal static int HeaderHash(IReadOnlyList<Header> headers, Header header, DkimSignatureHeader sig, Span<byte> destination) =>
        HeaderHash(headers, header, sig.SignedHeaders, sig.HeaderCanonicalization,
            sig.Algorithm == DkimSignatureAlgorithm.RsaSha1 ? HashAlgorithmName.SHA1 : HashAlgorithmName.SHA256, destination);

    /// <summary>The hash of the header input (RFC 6376 3.7 steps 2 and 3) for signing or verifying; returns its length.</summary>
    internal static int HeaderHash(IReadOnlyList<Header> headers, Header header, IReadOnlyList<string> signedHeaders, DkimCanonicalizationAlgorithm canonicalization,
        HashAlgorithmName algorithm, Span<byte> destination)
    {
        var input = new ArrayBufferWriter<byte>(1024);
        DkimHeaderCanonicalizer.Write(input, headers, header, signedHeaders, canonicalization);
        return algorithm == HashAlgorithmName.SHA1 ? SHA1.HashData(input.WrittenSpan, destination) : SHA256.HashData(input.WrittenSpan, destination);
    }
}
