using System.Security.Cryptography;
using System.Text;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using SmarthostLab.Verification.Dkim;
using SmarthostLab.Verification.Tests.Dns;
using SmarthostLab.Verification.Tests.Support;

namespace SmarthostLab.Verification.Tests.Dkim;

/// <summary>
/// The platform RSA path (System.Security.Cryptography.RSA) against MimeKit's BouncyCastle one:
/// identical b= when signing, and the same pass/fail when verifying rsa-sha256 and rsa-sha1.
/// </summary>
public sealed class PlatformRsaTests
{
    private const long Now = 1_763_900_000;

    private static readonly byte[] Message = Encoding.ASCII.GetBytes(
        "From: Alice <a@contoso.test>\r\nTo: b@example.com\r\nSubject:  platform   RSA\r\n" +
        "Date: Sun, 23 Nov 2025 12:00:00 +0000\r\nMessage-ID: <1@contoso.test>\r\nMIME-Version: 1.0\r\n" +
        "Content-Type: text/plain; charset=us-ascii\r\n\r\nbody line 1\r\n\tbody  line 2 \r\n\r\n\r\n");

    private static DkimSigningKey Key() => DkimSigningKey.LoadPem(TestData.Path("keys", "rsa-pkcs1.pem"), "contoso.test", "k1");

    [Fact]
    public void Signing_gives_the_same_header_as_MimeKits_own_signer()
    {
        var key = Key();
        var ours = new DkimMessageSigner(key, new FixedTime(Now)).Sign(Message);

        var parsed = MimeMessage.Load(new MemoryStream(Message));
        // The fields present in the header section (MimeKit's message model keeps Content-* on its body, not in Headers).
        var present = HeaderSection.Parse(Message).Headers.Select(h => h.Field).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var headers = DkimMessageSigner.DefaultHeaders.Where(present.Contains).ToList();
        var reference = new ReferenceSigner(key, DkimSignatureAlgorithm.RsaSha256)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
        reference.Sign(Options(), parsed, headers);
        var theirs = "DKIM-Signature:" + Encoding.ASCII.GetString(parsed.Headers.First(h => h.Id == HeaderId.DkimSignature).RawValue).ReplaceLineEndings("\r\n");

        Assert.Equal(TagValue(theirs, "b"), TagValue(ours, "b"));
        Assert.Equal(theirs.TrimEnd('\r', '\n'), ours.TrimEnd('\r', '\n'));
    }

    [Theory]
    [InlineData(DkimSignatureAlgorithm.RsaSha256, "rsa-sha256")]
    [InlineData(DkimSignatureAlgorithm.RsaSha1, "rsa-sha1")]
    public async Task A_BouncyCastle_signature_verifies_and_a_tampered_header_fails(DkimSignatureAlgorithm algorithm, string name)
    {
        var key = Key();
        var signed = SignWithMimeKit(key, algorithm, DkimCanonicalizationAlgorithm.Simple);
        var verifier = new DkimSignatureVerifier(new InMemoryDnsResolver().AddTxt(key.RecordName, key.PublicKeyRecord));

        var pass = Assert.Single(await verifier.VerifyAsync(signed));
        var tampered = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(signed).Replace("Subject:  platform   RSA", "Subject:  platform   RSB", StringComparison.Ordinal));
        var fail = Assert.Single(await verifier.VerifyAsync(tampered));

        Assert.Equal((DkimResult.Pass, name), (pass.Result, pass.Algorithm));
        Assert.Equal((DkimResult.Fail, "signature did not verify", name), (fail.Result, fail.Reason, fail.Algorithm));
    }

    [Theory]
    [InlineData(DkimCanonicalizationAlgorithm.Relaxed)]
    [InlineData(DkimCanonicalizationAlgorithm.Simple)]
    public async Task A_corrupted_b_value_fails(DkimCanonicalizationAlgorithm canonicalization)
    {
        var key = Key();
        var text = Encoding.ASCII.GetString(SignWithMimeKit(key, DkimSignatureAlgorithm.RsaSha256, canonicalization));
        var b = text.IndexOf("b=", text.IndexOf("bh=", StringComparison.Ordinal) + 3, StringComparison.Ordinal) + 2;
        var flipped = text[..b] + (text[b] == 'A' ? 'B' : 'A') + text[(b + 1)..];
        var verifier = new DkimSignatureVerifier(new InMemoryDnsResolver().AddTxt(key.RecordName, key.PublicKeyRecord));

        var verdict = Assert.Single(await verifier.VerifyAsync(Encoding.ASCII.GetBytes(flipped)));

        Assert.Equal(DkimResult.Fail, verdict.Result);
    }

    [Fact]
    public async Task Our_signature_verifies_with_MimeKits_BouncyCastle_verifier()
    {
        var key = Key();
        var signed = new DkimMessageSigner(key).SignAndPrepend(Message);
        var parsed = MimeMessage.Load(new MemoryStream(signed));
        var verifier = new DkimVerifier(new Locator(key));

        Assert.True(await verifier.VerifyAsync(parsed, parsed.Headers.First(h => h.Id == HeaderId.DkimSignature)));
    }

    [Theory]
    [InlineData("SHA256")]
    [InlineData("SHA1")]
    public void The_platform_key_signs_and_verifies_as_BouncyCastles_RsaDigestSigner(string hash)
    {
        var key = Key();
        var data = Encoding.ASCII.GetBytes("canonicalized headers\r\n");
        var name = new HashAlgorithmName(hash);
        IDigest digest = hash == "SHA1" ? new Sha1Digest() : new Sha256Digest();
        var reference = new RsaDigestSigner(digest);
        reference.Init(true, key.PrivateKey);
        reference.BlockUpdate(data, 0, data.Length);
        var expected = reference.GenerateSignature();

        var hashed = hash == "SHA1" ? SHA1.HashData(data) : SHA256.HashData(data);
        var actual = key.PlatformRsa!.SignHash(hashed, name);
        var verifier = PlatformRsaKey.FromPublic((RsaKeyParameters)key.PublicKey);
        var verifies = verifier.VerifyHash(hashed, expected, name);
        var verifiesTampered = verifier.VerifyHash(hashed, [.. expected[..^1], (byte)(expected[^1] ^ 1)], name);

        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(actual));
        Assert.True(verifies);
        Assert.False(verifiesTampered);
    }

    [Fact]
    public async Task One_key_verifies_and_signs_concurrently()
    {
        var key = Key();
        var signer = new DkimMessageSigner(key, new FixedTime(Now));
        var expected = signer.Sign(Message);
        var verifier = new DkimSignatureVerifier(new InMemoryDnsResolver().AddTxt(key.RecordName, key.PublicKeyRecord), new FixedTime(Now));
        var signed = signer.SignAndPrepend(Message);

        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(async () =>
            (signer.Sign(Message), (await verifier.VerifyAsync(signed))[0].Result))));

        Assert.All(results, r => Assert.Equal((expected, DkimResult.Pass), r));
    }

    private static byte[] SignWithMimeKit(DkimSigningKey key, DkimSignatureAlgorithm algorithm, DkimCanonicalizationAlgorithm canonicalization)
    {
        var parsed = MimeMessage.Load(new MemoryStream(Message));
        var signer = new ReferenceSigner(key, algorithm)
        {
            HeaderCanonicalizationAlgorithm = canonicalization,
            BodyCanonicalizationAlgorithm = canonicalization,
        };
        signer.Sign(Options(), parsed, ["From", "To", "Subject", "Date", "Content-Type"]);
        var header = "DKIM-Signature:" + Encoding.ASCII.GetString(parsed.Headers.First(h => h.Id == HeaderId.DkimSignature).RawValue).ReplaceLineEndings("\r\n");
        return [.. Encoding.ASCII.GetBytes(header), .. Message];
    }

    private static FormatOptions Options()
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        return options;
    }

    private static string TagValue(string header, string tag)
    {
        var unfolded = string.Concat(header.Where(c => !char.IsWhiteSpace(c)));
        return unfolded.Split(';').Select(t => t.Split('=', 2)).First(t => t[0].EndsWith(tag, StringComparison.Ordinal) && t[0].Length - tag.Length is 0 or 15)[1];
    }

    /// <summary>MimeKit's DkimSigner unchanged (BouncyCastle RSA), at the fixed time.</summary>
    private sealed class ReferenceSigner(DkimSigningKey key, DkimSignatureAlgorithm algorithm)
        : DkimSigner(key.PrivateKey, key.Domain, key.Selector, algorithm)
    {
        protected override long GetTimestamp() => Now;
    }

    private sealed class Locator(DkimSigningKey key) : DkimPublicKeyLocatorBase
    {
        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) => key.PublicKey;

        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) => Task.FromResult(key.PublicKey);
    }
}
