using System.Text;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using SmarthostLab.Verification.Dkim;
using SmarthostLab.Verification.Dns;
using SmarthostLab.Verification.Tests.Dns;
using SmarthostLab.Verification.Tests.Support;

namespace SmarthostLab.Verification.Tests.Dkim;

/// <summary>Sign-then-verify round trips, tampering, malformed signatures and DNS failures.</summary>
public sealed class DkimVerifierTests
{
    private static readonly FixedTime Clock = new(1_700_000_000);

    internal static DkimSigningKey RsaKey(string domain = "example.com", string selector = "test") =>
        DkimSigningKey.LoadPem(TestData.Path("dkim", "dkimpy", "test.private"), domain, selector);

    internal static DkimSigningKey Ed25519Key(string domain = "example.com", string selector = "ed") =>
        DkimSigningKey.FromEd25519Seed(Convert.FromBase64String(TestData.Text("dkim", "dkimpy", "ed25519test.key").Trim()), domain, selector);

    private static byte[] Message(string file = "test.message") => TestData.ToCrlf(TestData.Bytes("dkim", "dkimpy", file));

    private static (InMemoryDnsResolver Dns, byte[] Signed) SignWith(DkimSigningKey key, byte[] message)
    {
        var dns = new InMemoryDnsResolver().AddTxt(key.RecordName, key.PublicKeyRecord);
        return (dns, new DkimMessageSigner(key, Clock).SignAndPrepend(message));
    }

    [Theory]
    [InlineData("test.message")]
    [InlineData("test2.message")]
    [InlineData("rfc6376.msg")]
    [InlineData("ed25519test.msg")]
    [InlineData("ed25519test2.msg")]
    public async Task Rsa_and_ed25519_signatures_round_trip(string file)
    {
        foreach (var key in new[] { RsaKey(), Ed25519Key() })
        {
            var (dns, signed) = SignWith(key, Message(file));

            var verdicts = await new DkimSignatureVerifier(dns, Clock).VerifyAsync(signed);

            // Some inputs already carry signatures; ours is the first header.
            var v = verdicts[0];
            Assert.True(v.Result == DkimResult.Pass, $"{file} {key.Algorithm}: {v}");
            Assert.Equal(key.Algorithm, v.Algorithm);
            Assert.Equal("example.com", v.Domain);
        }
    }

    [Fact]
    public void Signature_header_is_crlf_folded_relaxed_and_has_the_pinned_time()
    {
        var header = new DkimMessageSigner(RsaKey(), Clock).Sign(Message());

        Assert.StartsWith("DKIM-Signature: ", header, StringComparison.Ordinal);
        Assert.EndsWith("\r\n", header, StringComparison.Ordinal);
        Assert.DoesNotContain("\r\n\r\n", header, StringComparison.Ordinal);
        Assert.Equal(header.Split("\r\n").Length - 1, header.Split('\n').Length - 1);
        Assert.Contains("c=relaxed/relaxed", header, StringComparison.Ordinal);
        Assert.Contains("t=1700000000", header, StringComparison.Ordinal);
        Assert.Contains("d=example.com", header, StringComparison.Ordinal);
    }

    [Fact]
    public void A_message_without_from_cannot_be_signed() =>
        Assert.Throws<FormatException>(() => new DkimMessageSigner(RsaKey()).Sign(Message("test_nofrom.message")));

    [Fact]
    public async Task Changing_a_body_byte_fails_with_body_hash_mismatch()
    {
        foreach (var key in new[] { RsaKey(), Ed25519Key() })
        {
            var (dns, signed) = SignWith(key, Message());
            var text = Encoding.ASCII.GetString(signed).Replace("This is a test message.", "This is a test massage.", StringComparison.Ordinal);

            var v = Assert.Single(await new DkimSignatureVerifier(dns, Clock).VerifyAsync(Encoding.ASCII.GetBytes(text)));

            Assert.Equal(DkimResult.Fail, v.Result);
            Assert.Equal("body hash mismatch", v.Reason);
        }
    }

    [Fact]
    public async Task Changing_a_signed_header_fails_with_signature_did_not_verify()
    {
        foreach (var key in new[] { RsaKey(), Ed25519Key() })
        {
            var (dns, signed) = SignWith(key, Message());
            var text = Encoding.ASCII.GetString(signed).Replace("Subject: Testing", "Subject: Tasting", StringComparison.Ordinal);

            var v = Assert.Single(await new DkimSignatureVerifier(dns, Clock).VerifyAsync(Encoding.ASCII.GetBytes(text)));

            Assert.Equal(DkimResult.Fail, v.Result);
            Assert.Equal("signature did not verify", v.Reason);
        }
    }

    [Fact]
    public async Task Tampered_rfc8463_example_fails()
    {
        var (dns, message) = DkimConformanceTests.LoadStalwart("001.txt");
        var text = Encoding.ASCII.GetString(message).Replace("Joe.", "Joe!", StringComparison.Ordinal);

        var verdicts = await new DkimSignatureVerifier(dns, new FixedTime(1667843664)).VerifyAsync(Encoding.ASCII.GetBytes(text));

        Assert.All(verdicts, v => Assert.Equal(DkimResult.Fail, v.Result));
    }

    [Fact]
    public async Task The_tag_list_is_read_from_the_raw_field_not_from_its_rfc2047_decoding()
    {
        // An unknown tag whose value looks like an encoded word (RFC 6376 3.2: any VALCHAR, '=' and '?' included).
        // Decoded as RFC 2047 it would read "xq=a;s=evil", a second s= and so a permerror; as the tag-list it is,
        // it is an unknown tag to ignore, and the signature, which did not cover it, fails to verify.
        var (dns, signed) = SignWith(RsaKey(), Message());
        var text = Encoding.ASCII.GetString(signed);
        Assert.StartsWith("DKIM-Signature: ", text, StringComparison.Ordinal);
        text = "DKIM-Signature: xq==?us-ascii?Q?a=3Bs=3Devil?=; " + text["DKIM-Signature: ".Length..];

        var v = Assert.Single(await new DkimSignatureVerifier(dns, Clock).VerifyAsync(Encoding.ASCII.GetBytes(text)));

        Assert.Equal(DkimResult.Fail, v.Result);
        Assert.Equal("test", v.Selector);
        Assert.DoesNotContain("duplicate", v.Reason ?? "", StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("v=1; a=rsa-sha256; d=example.com; s=test; h=from; bh=AAAA", "b=")]
    [InlineData("v=1; a=foo-sha256; d=example.com; s=test; h=from; bh=AAAA; b=AAAA", "algorithm")]
    [InlineData("v=2; a=rsa-sha256; d=example.com; s=test; h=from; bh=AAAA; b=AAAA", "version")]
    [InlineData("v=1; a=rsa-sha256; d=example.com; s=test; h=subject; bh=AAAA; b=AAAA", "From")]
    [InlineData("v=1; a=rsa-sha256; d=example.com; s=test; h=from; bh=AAAA; b=AAAA; i=joe@other.org", "i=")]
    [InlineData("v=1; a=rsa-sha256; d=example.com; s=test; h=from; bh=AAAA; b=AAAA; c=fancy", "c=")]
    [InlineData("v=1; a=rsa-sha256; d=example.com; s=test; h=from; bh=AAAA; b=AAAA; t=200; x=100", "x=")]
    [InlineData("garbage without tags", "malformed")]
    public async Task Malformed_signatures_are_permerror_entries_in_header_order(string value, string reasonPart)
    {
        var (dns, signed) = SignWith(RsaKey(), Message());
        var withBad = Encoding.ASCII.GetBytes("DKIM-Signature: " + value + "\r\n").Concat(signed).ToArray();

        var verdicts = await new DkimSignatureVerifier(dns, Clock).VerifyAsync(withBad);

        Assert.Equal(2, verdicts.Count);
        Assert.Equal(DkimResult.PermError, verdicts[0].Result);
        Assert.Contains(reasonPart, verdicts[0].Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(DkimResult.Pass, verdicts[1].Result);
    }

    [Theory]
    [InlineData(DnsStatus.Timeout, DkimResult.TempError)]
    [InlineData(DnsStatus.ServerFailure, DkimResult.TempError)]
    [InlineData(DnsStatus.NxDomain, DkimResult.PermError)]
    public async Task Key_lookup_failures_map_to_temperror_or_permerror(DnsStatus status, DkimResult expected)
    {
        var (dns, signed) = SignWith(RsaKey(selector: "gone"), Message());
        dns.AddFailure("gone._domainkey.example.com", status);

        var v = Assert.Single(await new DkimSignatureVerifier(dns, Clock).VerifyAsync(signed));

        Assert.Equal(expected, v.Result);
        Assert.NotNull(v.Reason);
    }

    [Theory]
    [InlineData("badversion.txt")]
    [InlineData("badk.txt")]
    [InlineData("test_tlsrpt.txt")]
    public async Task Dkimpy_bad_key_records_give_permerror(string file)
    {
        var (_, signed) = SignWith(RsaKey(), Message());
        var dns = new InMemoryDnsResolver().AddTxt("test._domainkey.example.com", TestData.Text("dkim", "dkimpy", file).Trim());

        var v = Assert.Single(await new DkimSignatureVerifier(dns, Clock).VerifyAsync(signed));

        Assert.Equal(DkimResult.PermError, v.Result);
    }

    [Fact]
    public async Task Revoked_key_is_permerror()
    {
        var (_, signed) = SignWith(RsaKey(), Message());
        var dns = new InMemoryDnsResolver().AddTxt("test._domainkey.example.com", "v=DKIM1; p=");

        var v = Assert.Single(await new DkimSignatureVerifier(dns, Clock).VerifyAsync(signed));

        Assert.Equal(DkimResult.PermError, v.Result);
        Assert.Equal("key revoked", v.Reason);
    }

    [Fact]
    public async Task Rsa_keys_under_1024_bits_are_permerror_key_too_short()
    {
        var (_, signed) = SignWith(RsaKey(), Message());
        var gen = new RsaKeyPairGenerator();
        gen.Init(new KeyGenerationParameters(new SecureRandom(), 512));
        var pair = gen.GenerateKeyPair();
        var p = Convert.ToBase64String(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(pair.Public).GetDerEncoded());
        var dns = new InMemoryDnsResolver().AddTxt("test._domainkey.example.com", "v=DKIM1; k=rsa; p=" + p);

        var v = Assert.Single(await new DkimSignatureVerifier(dns, Clock).VerifyAsync(signed));

        Assert.Equal(DkimResult.PermError, v.Result);
        Assert.StartsWith("key too short", v.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rsa_sha1_is_verified_and_reported_as_such()
    {
        var key = RsaKey();
        var message = MimeMessage.Load(new MemoryStream(Message()));
        var signer = new DkimSigner(TestData.Path("dkim", "dkimpy", "test.private"), "example.com", "test", DkimSignatureAlgorithm.RsaSha1)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
        signer.Sign(message, [HeaderId.From, HeaderId.Subject, HeaderId.Date]);
        using var output = new MemoryStream();
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        message.WriteTo(options, output);
        var dns = new InMemoryDnsResolver().AddTxt(key.RecordName, key.PublicKeyRecord);

        var v = Assert.Single(await new DkimSignatureVerifier(dns, Clock).VerifyAsync(output.ToArray()));

        Assert.Equal(DkimResult.Pass, v.Result);
        Assert.Equal("rsa-sha1", v.Algorithm);
    }

    [Fact]
    public async Task Expired_signature_is_permerror_signature_expired()
    {
        var (dns, signed) = SignWith(RsaKey(), Message());
        // Re-sign with an expiry one hour after t=, then verify a day later.
        var expiring = new DkimSigner(TestData.Path("dkim", "dkimpy", "test.private"), "example.com", "test", DkimSignatureAlgorithm.RsaSha256)
        {
            SignaturesExpireAfter = TimeSpan.FromHours(1),
        };
        var message = MimeMessage.Load(new MemoryStream(Message()));
        expiring.Sign(message, [HeaderId.From, HeaderId.Subject]);
        using var output = new MemoryStream();
        message.WriteTo(output);

        var verdicts = await new DkimSignatureVerifier(dns, new FixedTime(DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds())).VerifyAsync(output.ToArray());

        var v = Assert.Single(verdicts);
        Assert.Equal(DkimResult.PermError, v.Result);
        Assert.Equal("signature expired", v.Reason);
        Assert.NotEmpty(signed);
    }

    [Fact]
    public async Task Unsigned_message_gives_an_empty_list()
    {
        var verdicts = await new DkimSignatureVerifier(new InMemoryDnsResolver()).VerifyAsync(Message());
        Assert.Empty(verdicts);
    }

    [Fact]
    public async Task Parsed_keys_are_shared_across_concurrent_verifications()
    {
        var (dns, signed) = SignWith(Ed25519Key(), Message());
        var verifier = new DkimSignatureVerifier(dns, Clock);

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => verifier.VerifyAsync(signed))));

        Assert.All(results, r => Assert.Equal(DkimResult.Pass, Assert.Single(r).Result));
    }

    [Fact]
    public async Task Signatures_beyond_the_limit_are_neutral_not_verified()
    {
        var key = Ed25519Key();
        var dns = new InMemoryDnsResolver().AddTxt(key.RecordName, key.PublicKeyRecord);
        var header = new DkimMessageSigner(key, Clock).Sign(Message());
        var message = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(header, DkimSignatureVerifier.MaxSignatures + 2))).Concat(Message()).ToArray();

        var verdicts = await new DkimSignatureVerifier(dns, Clock).VerifyAsync(message);

        Assert.Equal(DkimSignatureVerifier.MaxSignatures + 2, verdicts.Count);
        Assert.All(verdicts.Take(DkimSignatureVerifier.MaxSignatures), v => Assert.Equal(DkimResult.Pass, v.Result));
        Assert.All(verdicts.Skip(DkimSignatureVerifier.MaxSignatures), v => Assert.Equal(DkimResult.Neutral, v.Result));
    }

    [Fact]
    public async Task A_throwing_resolver_is_temperror()
    {
        var (_, signed) = SignWith(RsaKey(), Message());

        var v = Assert.Single(await new DkimSignatureVerifier(new ThrowingDns(), Clock).VerifyAsync(signed));

        Assert.Equal(DkimResult.TempError, v.Result);
    }

    private sealed class ThrowingDns : IDnsResolver
    {
        public ValueTask<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("resolver bug");
    }
}
