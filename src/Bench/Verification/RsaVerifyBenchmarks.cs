using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;

namespace SmarthostLab.Bench.Verification;

/// <summary>
/// The public-key step of an rsa-sha256 DKIM verification (RSA-2048, PKCS#1 v1.5 over SHA-256 of the
/// canonicalized header), by the platform's RSA (OpenSSL on Linux: the baseline) and by BouncyCastle's
/// <see cref="RsaDigestSigner"/>, which MimeKit's DKIM verifier uses. Profiles of the relay under load
/// show the BouncyCastle path (BigInteger.ModPow and its bit-serial Remainder) as its largest CPU cost.
/// </summary>
[MemoryDiagnoser]
public class RsaVerifyBenchmarks
{
    private readonly byte[] _data = new byte[512];
    private byte[] _signature = [];
    private RSA _platform = null!;
    private RsaKeyParameters _bouncy = null!;

    /// <summary>Makes a key, signs 512 octets (a typical canonicalized header block) once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        RandomNumberGenerator.Fill(_data);
        _platform = RSA.Create(2048);
        _signature = _platform.SignData(_data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var p = _platform.ExportParameters(false);
        _bouncy = new RsaKeyParameters(false, new BigInteger(1, p.Modulus), new BigInteger(1, p.Exponent));
        if (!BouncyCastle()) throw new InvalidOperationException("BouncyCastle does not verify the platform's signature");
    }

    /// <summary>Frees the key.</summary>
    [GlobalCleanup]
    public void Cleanup() => _platform.Dispose();

    /// <summary>System.Security.Cryptography.RSA.VerifyData.</summary>
    [Benchmark(Baseline = true)]
    public bool Platform() => _platform.VerifyData(_data, _signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    /// <summary>BouncyCastle RsaDigestSigner(SHA-256).VerifySignature, as MimeKit runs it.</summary>
    [Benchmark]
    public bool BouncyCastle()
    {
        var signer = new RsaDigestSigner(new Sha256Digest());
        signer.Init(false, _bouncy);
        signer.BlockUpdate(_data, 0, _data.Length);
        return signer.VerifySignature(_signature);
    }
}
