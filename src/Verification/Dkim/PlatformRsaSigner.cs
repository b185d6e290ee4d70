using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;

namespace SmarthostLab.Verification.Dkim;

/// <summary>
/// A BouncyCastle <see cref="ISigner"/> for rsa-sha256 / rsa-sha1 (RFC 6376 3.3) that hashes with
/// <see cref="IncrementalHash"/> and does the RSA step with <see cref="PlatformRsaKey"/>, so MimeKit's
/// canonicalization can feed it while the modular arithmetic runs in the platform library.
/// One instance per signature; not thread-safe (as no <see cref="ISigner"/> is).
/// </summary>
internal sealed class PlatformRsaSigner : ISigner, IDisposable
{
    private readonly PlatformRsaKey _key;
    private readonly HashAlgorithmName _hash;
    private readonly IncrementalHash _digest;

    public PlatformRsaSigner(PlatformRsaKey key, HashAlgorithmName hash)
    {
        ArgumentNullException.ThrowIfNull(key);
        _key = key;
        _hash = hash;
        _digest = IncrementalHash.CreateHash(hash);
    }

    /// <inheritdoc />
    public string AlgorithmName => _hash.Name + "withRSA";

    /// <summary>Ignored: the key and direction are fixed at construction.</summary>
    public void Init(bool forSigning, ICipherParameters parameters) => Reset();

    /// <inheritdoc />
    public void Update(byte input) => _digest.AppendData([input]);

    /// <inheritdoc />
    public void BlockUpdate(byte[] input, int inOff, int inLen) => _digest.AppendData(input, inOff, inLen);

    /// <inheritdoc />
    public void BlockUpdate(ReadOnlySpan<byte> input) => _digest.AppendData(input);

    /// <inheritdoc />
    public int GetMaxSignatureSize() => _key.SignatureLength;

    /// <inheritdoc />
    public byte[] GenerateSignature()
    {
        Span<byte> hash = stackalloc byte[64];
        var length = _digest.GetHashAndReset(hash);
        return _key.SignHash(hash[..length], _hash);
    }

    /// <inheritdoc />
    public bool VerifySignature(byte[] signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        Span<byte> hash = stackalloc byte[64];
        var length = _digest.GetHashAndReset(hash);
        return _key.VerifyHash(hash[..length], signature, _hash);
    }

    /// <inheritdoc />
    public void Reset()
    {
        Span<byte> discard = stackalloc byte[64];
        _digest.GetHashAndReset(discard);
    }

    /// <inheritdoc />
    public void Dispose() => _digest.Dispose();
}
