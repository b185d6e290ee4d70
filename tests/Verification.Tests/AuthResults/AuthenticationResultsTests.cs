using System.Text;
using SmarthostLab.Verification.AuthResults;

namespace SmarthostLab.Verification.Tests.AuthResults;

public sealed class AuthenticationResultsTests
{
    private static readonly SpfVerdict SpfPass = new(SpfResult.Pass, "contoso.test", "198.51.100.25", "mailfrom");
    private static readonly SpfVerdict ClientSoftFail = new(SpfResult.SoftFail, "contoso.test", "192.0.2.99", "mailfrom", Reason: "~all");
    private static readonly DkimVerdict DkimPass = new(DkimResult.Pass, "contoso.test", "s1", "rsa-sha256");
    private static readonly DmarcVerdict DmarcPass = new(DmarcResult.Pass, "reject", "contoso.test", "contoso.test", true, true, "none");

    [Fact]
    public void Builds_one_folded_line_per_result()
    {
        var header = AuthenticationResultsHeader.Build("smarthost.test", SpfPass, ClientSoftFail, [DkimPass], ["AbCdEfGh"], DmarcPass);

        Assert.Equal(
            "Authentication-Results: smarthost.test;\r\n" +
            "\tspf=pass (egress 198.51.100.25; client 192.0.2.99: softfail) smtp.mailfrom=contoso.test;\r\n" +
            "\tdkim=pass header.d=contoso.test header.s=s1 header.a=rsa-sha256 header.b=AbCdEfGh;\r\n" +
            "\tdmarc=pass (p=reject dis=none) header.from=contoso.test\r\n",
            header);
    }

    [Fact]
    public void Failures_carry_quoted_reasons_and_unsigned_is_dkim_none()
    {
        var spf = new SpfVerdict(SpfResult.Fail, "contoso.test", "198.51.100.25", "mailfrom", Reason: "matched \"-all\"");
        var dmarc = new DmarcVerdict(DmarcResult.Fail, "reject", "contoso.test", "contoso.test", false, false, "reject", "neither SPF nor DKIM aligned with a pass");

        var header = AuthenticationResultsHeader.Build("smarthost.test", spf, null, [], null, dmarc);

        Assert.Contains("spf=fail (egress 198.51.100.25) reason=\"matched \\\"-all\\\"\" smtp.mailfrom=contoso.test;", header, StringComparison.Ordinal);
        Assert.Contains("\tdkim=none;\r\n", header, StringComparison.Ordinal);
        Assert.Contains("dmarc=fail (p=reject dis=reject) reason=\"neither SPF nor DKIM aligned with a pass\" header.from=contoso.test\r\n", header, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_sender_reports_smtp_helo()
    {
        var spf = new SpfVerdict(SpfResult.Pass, "mail.contoso.test", "198.51.100.25", "helo");

        var header = AuthenticationResultsHeader.Build("smarthost.test", spf, null, [], null, null);

        Assert.Contains("smtp.helo=mail.contoso.test", header, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Authentication-Results: smarthost.test; spf=pass\r\n")]
    [InlineData("Authentication-Results: SMARTHOST.TEST 1; dkim=pass\r\n")]
    [InlineData("authentication-results:   (comment) smarthost.test;\r\n\tdmarc=pass\r\n")]
    [InlineData("Authentication-Results: \"smarthost.test\"; none\r\n")]
    [InlineData("Authentication-Results: smarthost.test\r\n")]
    public void Own_authserv_id_is_removed_byte_exact(string forged)
    {
        const string before = "Received: from x\r\n";
        const string after = "From: a@contoso.test\r\nSubject: hi\r\n\r\nAuthentication-Results: smarthost.test; in body stays\r\n";
        var message = Encoding.ASCII.GetBytes(before + forged + after);

        var result = AuthenticationResultsFilter.RemoveOwn(message, "smarthost.test", out var removed);

        Assert.Equal(1, removed);
        Assert.Equal(before + after, Encoding.ASCII.GetString(result.Span));
    }

    [Theory]
    [InlineData("Authentication-Results: mx.google.com; spf=pass\r\n")]
    [InlineData("Authentication-Results: smarthost.test.evil; spf=pass\r\n")]
    [InlineData("X-Authentication-Results: smarthost.test; spf=pass\r\n")]
    public void Other_authserv_ids_are_kept(string header)
    {
        var message = Encoding.ASCII.GetBytes(header + "From: a@contoso.test\r\n\r\nbody\r\n");

        var result = AuthenticationResultsFilter.RemoveOwn(message, "smarthost.test", out var removed);

        Assert.Equal(0, removed);
        Assert.Equal(message, result.ToArray());
    }

    [Fact]
    public void Lf_only_messages_are_handled()
    {
        var message = Encoding.ASCII.GetBytes("Authentication-Results: smarthost.test;\n spf=pass\nFrom: a@b.test\n\nbody\n");

        var result = AuthenticationResultsFilter.RemoveOwn(message, "smarthost.test", out var removed);

        Assert.Equal(1, removed);
        Assert.Equal("From: a@b.test\n\nbody\n", Encoding.ASCII.GetString(result.Span));
    }
}
