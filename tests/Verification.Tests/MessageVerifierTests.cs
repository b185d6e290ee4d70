using System.Net;
using System.Text;
using SmarthostLab.Verification.Dkim;
using SmarthostLab.Verification.Dns;
using SmarthostLab.Verification.Psl;
using SmarthostLab.Verification.Tests.Dns;
using SmarthostLab.Verification.Tests.Support;

namespace SmarthostLab.Verification.Tests;

public sealed class MessageVerifierTests
{
    private static readonly FixedTime Clock = new(1_700_000_000);

    private static readonly DkimSigningKey Key = DkimSigningKey.LoadPem(TestData.Path("dkim", "dkimpy", "test.private"), "contoso.test", "s1");

    private static InMemoryDnsResolver Zone() => new InMemoryDnsResolver()
        .AddTxt("contoso.test", "v=spf1 ip4:192.0.2.10 include:_spf.smarthost.test -all")
        .AddTxt("_spf.smarthost.test", "v=spf1 ip4:198.51.100.25 -all")
        .AddTxt("_dmarc.contoso.test", "v=DMARC1; p=reject; adkim=r; aspf=r")
        .AddTxt(Key.RecordName, Key.PublicKeyRecord)
        .AddA("smarthost.test", "198.51.100.25");

    private static MessageVerifier Verifier(IDnsResolver dns, params string[] egress) =>
        new(dns, new VerificationOptions { EgressAddresses = [.. egress], AuthServId = "smarthost.test" }, PublicSuffixList.Embedded, Clock);

    private static byte[] Message(string from = "alice@contoso.test") => Encoding.ASCII.GetBytes(
        $"From: Alice <{from}>\r\nTo: bob@example.com\r\nSubject: quarterly report\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <1@contoso.test>\r\n\r\nHello Bob.\r\n");

    private static byte[] Signed() => new DkimMessageSigner(Key, Clock).SignAndPrepend(Message());

    [Fact]
    public async Task Signed_message_through_the_egress_gets_spf_dkim_dmarc_pass()
    {
        var verifier = Verifier(Zone(), "198.51.100.25");

        var spf = verifier.StartSpf(IPAddress.Parse("192.0.2.10"), "mail.contoso.test", "alice@contoso.test");
        var result = await verifier.VerifyAsync(Signed(), spf);

        Assert.Equal(SpfResult.Pass, result.Spf.Result);
        Assert.Equal("198.51.100.25", result.Spf.Ip);
        Assert.Equal(SpfResult.Pass, result.SpfClient.Result);
        Assert.Equal(DkimResult.Pass, Assert.Single(result.Dkim).Result);
        Assert.Equal(DmarcResult.Pass, result.Dmarc.Result);
        Assert.True(result.Dmarc.SpfAligned);
        Assert.True(result.Dmarc.DkimAligned);
        Assert.StartsWith("Authentication-Results: smarthost.test;\r\n\tspf=pass", result.AuthenticationResults, StringComparison.Ordinal);
        Assert.Contains("dkim=pass header.d=contoso.test header.s=s1 header.a=rsa-sha256 header.b=", result.AuthenticationResults, StringComparison.Ordinal);
        // header.b is the first 8 characters of the signature's b= without folding white space (RFC 8601 2.7.1 note).
        var b = System.Text.RegularExpressions.Regex.Match(Encoding.ASCII.GetString(Signed()), @"\bb=([^;]+)").Groups[1].Value;
        var prefix = string.Concat(b.Where(c => !char.IsWhiteSpace(c)))[..8];
        Assert.Contains("header.b=" + prefix, result.AuthenticationResults, StringComparison.Ordinal);
        Assert.Contains("dmarc=pass (p=reject dis=none) header.from=contoso.test", result.AuthenticationResults, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unsigned_message_from_an_unauthorized_egress_fails_dmarc_with_reject()
    {
        var verifier = Verifier(Zone(), "203.0.113.7");

        var result = await verifier.VerifyAsync(IPAddress.Parse("192.0.2.10"), "mail.contoso.test", "alice@contoso.test", Message());

        Assert.Equal(SpfResult.Fail, result.Spf.Result);
        Assert.Equal(SpfResult.Pass, result.SpfClient.Result);
        Assert.Empty(result.Dkim);
        Assert.Equal(DmarcResult.Fail, result.Dmarc.Result);
        Assert.Equal("reject", result.Dmarc.Disposition);
        var verdict = result.ToVerdict(VerdictAction.Tag);
        Assert.Equal(VerdictAction.Tag, verdict.Action);
    }

    [Fact]
    public async Task Without_egress_addresses_dmarc_uses_the_client_ip_spf()
    {
        var verifier = Verifier(Zone());

        var result = await verifier.VerifyAsync(IPAddress.Parse("192.0.2.10"), "mail.contoso.test", "alice@contoso.test", Message());

        Assert.Equal("192.0.2.10", result.Spf.Ip);
        Assert.Same(result.Spf, result.SpfClient);
        Assert.Equal(DmarcResult.Pass, result.Dmarc.Result);
    }

    [Fact]
    public async Task Dns_timeouts_give_temperror_everywhere()
    {
        var dns = new InMemoryDnsResolver().AddFailure("contoso.test", DnsStatus.Timeout).AddFailure("_dmarc.contoso.test", DnsStatus.Timeout).AddFailure("s1._domainkey.contoso.test", DnsStatus.ServerFailure);
        var verifier = Verifier(dns, "198.51.100.25");

        var result = await verifier.VerifyAsync(IPAddress.Parse("192.0.2.10"), "mail.contoso.test", "alice@contoso.test", Signed());

        Assert.Equal(SpfResult.TempError, result.Spf.Result);
        Assert.Equal(DkimResult.TempError, Assert.Single(result.Dkim).Result);
        Assert.Equal(DmarcResult.TempError, result.Dmarc.Result);
        Assert.True(result.HasTemporaryError);
    }

    [Fact]
    public async Task Stamp_prepends_our_header_and_drops_forged_ones()
    {
        var verifier = Verifier(Zone(), "198.51.100.25");
        var forged = Encoding.ASCII.GetBytes("Authentication-Results: smarthost.test; dmarc=pass\r\n").Concat(Signed()).ToArray();

        var result = await verifier.VerifyAsync(IPAddress.Parse("192.0.2.10"), "mail.contoso.test", "alice@contoso.test", forged);
        var stored = Encoding.ASCII.GetString(result.Stamp(forged));

        Assert.StartsWith(result.AuthenticationResults, stored, StringComparison.Ordinal);
        Assert.Equal(1, stored.Split("Authentication-Results:").Length - 1);
        Assert.EndsWith(Encoding.ASCII.GetString(Signed()), stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Helo_identity_is_reported_when_configured()
    {
        var dns = Zone().AddTxt("mail.contoso.test", "v=spf1 ip4:192.0.2.10 -all");
        var verifier = Verifier(dns, "198.51.100.25");

        var result = await verifier.VerifyAsync(IPAddress.Parse("192.0.2.10"), "mail.contoso.test", "alice@contoso.test", Message());

        Assert.NotNull(result.SpfHelo);
        Assert.Equal(SpfResult.Pass, result.SpfHelo!.Result);
        Assert.Equal("helo", result.SpfHelo.Identity);
    }

    [Fact]
    public async Task Concurrent_verifications_do_not_block_each_other()
    {
        var verifier = Verifier(Zone(), "198.51.100.25");
        var signed = Signed();

        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(() =>
            verifier.VerifyAsync(IPAddress.Parse("192.0.2.10"), "mail.contoso.test", "alice@contoso.test", signed))));

        Assert.All(results, r => Assert.Equal(DmarcResult.Pass, r.Dmarc.Result));
    }

    [Fact]
    public async Task Garbage_instead_of_a_message_gives_dmarc_permerror_not_an_exception()
    {
        var verifier = Verifier(Zone(), "198.51.100.25");

        var result = await verifier.VerifyAsync(IPAddress.Parse("192.0.2.10"), "mail.contoso.test", "alice@contoso.test", Encoding.ASCII.GetBytes("\r\n\r\nno headers at all"));

        Assert.Equal(DmarcResult.PermError, result.Dmarc.Result);
        Assert.Empty(result.Dkim);
    }

    public static TheoryData<string> StreamCases() => ["signed", "tampered", "unsigned", "garbage"];

    [Theory]
    [MemberData(nameof(StreamCases))]
    public async Task A_message_read_from_a_stream_gets_the_verdicts_of_the_same_bytes_in_memory(string kind)
    {
        var verifier = Verifier(Zone(), "198.51.100.25");
        var bytes = kind switch
        {
            "signed" => Signed(),
            "tampered" => Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(Signed()).Replace("Hello Bob.", "Hello Eve.", StringComparison.Ordinal)),
            "unsigned" => Message(),
            _ => Encoding.ASCII.GetBytes("\r\n\r\nno headers at all"),
        };

        var inMemory = await verifier.VerifyAsync(bytes, verifier.StartSpf(IPAddress.Parse("192.0.2.10"), "mail.contoso.test", "alice@contoso.test"));
        using var stream = new MemoryStream(bytes, writable: false);
        var fromStream = await verifier.VerifyAsync(stream, verifier.StartSpf(IPAddress.Parse("192.0.2.10"), "mail.contoso.test", "alice@contoso.test"));

        Assert.Equal(inMemory.AuthenticationResults, fromStream.AuthenticationResults);
        Assert.Equal(inMemory.Dmarc.Result, fromStream.Dmarc.Result);
        Assert.Equal(inMemory.Dkim.Select(d => d.Result), fromStream.Dkim.Select(d => d.Result));
        Assert.Equal(kind == "signed" ? DkimResult.Pass : kind == "tampered" ? DkimResult.Fail : (DkimResult?)null, fromStream.Dkim.SingleOrDefault()?.Result);
    }
}
