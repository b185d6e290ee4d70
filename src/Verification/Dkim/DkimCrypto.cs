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
    private static readonly FormatOptions Options = CreateOptions();

    public DkimCrypto()
        : base(NoLocator.Instance)
    {
        Enable(DkimSignatureAlgorithm.RsaSha1);
        Enable(DkimSignatureAlgorithm.RsaSha256);
        Enable(DkimSignatureAlgorithm.Ed25519Sha256);
        MinimumRsaKeyLength = 512;
    }

    /// <summary>True when the canonicalized body (first <paramref name="length"/> octets, or all for -1) hashes to <paramref name="bodyHash"/>.</summary>
    public bool CheckBodyHash(MimeMessage message, DkimSignatureHeader sig) =>
        VerifyBodyHash(Options, message, sig.Algorithm, sig.BodyCanonicalization, sig.BodyLength, sig.BodyHash);

    /// <summary>True when b= verifies over the signed headers and the signature header itself.</summary>
    public bool CheckSignature(MimeMessage message, Header header, DkimSignatureHeader sig, AsymmetricKeyParameter key) =>
        VerifySignature(Options, message, header, sig.Algorithm, key, sig.SignedHeaders, sig.HeaderCanonicalization, sig.Signature);

    private static FormatOptions CreateOptions()
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        return options;
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
