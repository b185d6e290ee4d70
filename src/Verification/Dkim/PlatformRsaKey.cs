using System.Collections.Concurrent;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace SmarthostLab.Verification.Dkim;

/// <summary>
/// One RSA key held for the platform's <see cref="RSA"/> (OpenSSL on Linux, CNG on Windows), which
/// signs and verifies PKCS#1 v1.5 an order of magnitude faster than BouncyCastle's managed BigInteger.
/// Safe for concurrent use: <see cref="RSA"/> instance members are not documented as thread-safe,
/// so each operation rents an instance from a small pool (created on demand from the imported
/// parameters) and returns it; no instance is ever used by two threads at once.
/// </summary>
internal sealed class PlatformRsaKey
{
    private static readonly int MaxPooled = Math.Max(2, Environment.ProcessorCount * 2);

    private readonly RSAParameters _parameters;
    private readonly ConcurrentQueue<RSA> _pool = new();
    private int _pooled;

    private PlatformRsaKey(RSAParameters parameters, int bits)
    {
        _parameters = parameters;
        KeyBits = bits;
    }

    /// <summary>Modulus size in bits.</summary>
    public int KeyBits { get; }

    /// <summary>Length of a signature (the modulus) in octets.</summary>
    public int SignatureLength => (KeyBits + 7) / 8;

    /// <summary>A public key (verification only).</summary>
    public static PlatformRsaKey FromPublic(RsaKeyParameters key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var parameters = new RSAParameters
        {
            Modulus = key.Modulus.ToByteArrayUnsigned(),
            Exponent = key.Exponent.ToByteArrayUnsigned(),
        };
        return new PlatformRsaKey(parameters, key.Modulus.BitLength);
    }

    /// <summary>A private key with its CRT parameters (signing).</summary>
    public static PlatformRsaKey FromPrivate(RsaPrivateCrtKeyParameters key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new PlatformRsaKey(DotNetUtilities.ToRSAParameters(key), key.Modulus.BitLength);
    }

    /// <summary>RSASSA-PKCS1-v1_5 verification of <paramref name="signature"/> over an already computed <paramref name="hash"/>.</summary>
    public bool VerifyHash(ReadOnlySpan<byte> hash, ReadOnlySpan<byte> signature, HashAlgorithmName algorithm)
    {
        // RFC 8017 8.2.2 wants exactly the modulus length; like BouncyCastle (which reads the
        // signature as an integer) accept one whose leading zero octets were dropped.
        if (signature.IsEmpty || signature.Length > SignatureLength)
        {
            return false;
        }

        if (signature.Length < SignatureLength)
        {
            var padded = new byte[SignatureLength];
            signature.CopyTo(padded.AsSpan(padded.Length - signature.Length));
            signature = padded;
        }

        var rsa = Rent();
        try
        {
            return rsa.VerifyHash(hash, signature, algorithm, RSASignaturePadding.Pkcs1);
        }
        finally
        {
            Return(rsa);
        }
    }

    /// <summary>RSASSA-PKCS1-v1_5 signature over an already computed <paramref name="hash"/>; deterministic.</summary>
    public byte[] SignHash(ReadOnlySpan<byte> hash, HashAlgorithmName algorithm)
    {
        var rsa = Rent();
        try
        {
            var signature = new byte[SignatureLength];
            if (!rsa.TrySignHash(hash, signature, algorithm, RSASignaturePadding.Pkcs1, out var written) || written != signature.Length)
            {
                throw new CryptographicException("RSA signature has an unexpected length");
            }

            return signature;
        }
        finally
        {
            Return(rsa);
        }
    }

    private RSA Rent()
    {
        if (_pool.TryDequeue(out var rsa))
        {
            Interlocked.Decrement(ref _pooled);
            return rsa;
        }

        rsa = RSA.Create();
        try
        {
            rsa.ImportParameters(_parameters);
        }
        catch
        {
            rsa.Dispose();
            throw;
        }

        return rsa;
    }

    private void Return(RSA rsa)
    {
        if (Interlocked.Increment(ref _pooled) <= MaxPooled)
        {
            _pool.Enqueue(rsa);
            return;
        }

        Interlocked.Decrement(ref _pooled);
        rsa.Dispose();
    }
}
