using System.Text;
using MimeKit;
using SmarthostLab.Verification.Dmarc;
using SmarthostLab.Verification.Dns;
using SmarthostLab.Verification.Psl;
using SmarthostLab.Verification.Tests.Dns;
using SmarthostLab.Verification.Tests.Support;

namespace SmarthostLab.Verification.Tests.Dmarc;

public sealed class DmarcEvaluatorTests
{
    private static MimeMessage Msg(string headers) =>
        MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(headers.ReplaceLineEndings("\r\n") + "\r\n\r\nbody\r\n")));

    private static SpfVerdict Spf(SpfResult result, string domain) => new(result, domain, "198.51.100.25", "mailfrom");

    private static DkimVerdict Dkim(DkimResult result, string domain) => new(result, domain, "s1", "rsa-sha256");

    private static DmarcEvaluator Evaluator(InMemoryDnsResolver dns, int sample = 0) => new(dns, PublicSuffixList.Embedded, () => sample);

    [Fact]
    public async Task Relaxed_spf_alignment_with_a_subdomain_mail_from_passes()
    {
        var dns = new InMemoryDnsResolver().AddTxt("_dmarc.contoso.test", "v=DMARC1; p=reject");

        var v = await Evaluator(dns).EvaluateAsync(Msg("From: a@contoso.test"), Spf(SpfResult.Pass, "bounce.contoso.test"), []);

        Assert.Equal(DmarcResult.Pass, v.Result);
        Assert.True(v.SpfAligned);
        Assert.False(v.DkimAligned);
        Assert.Equal("reject", v.Policy);
        Assert.Equal("none", v.Disposition);
        Assert.Equal("contoso.test", v.OrgDomain);
    }

    [Fact]
    public async Task Strict_spf_alignment_rejects_a_subdomain_mail_from()
    {
        var dns = new InMemoryDnsResolver().AddTxt("_dmarc.contoso.test", "v=DMARC1; p=reject; aspf=s");

        var v = await Evaluator(dns).EvaluateAsync(Msg("From: a@contoso.test"), Spf(SpfResult.Pass, "bounce.contoso.test"), []);

        Assert.Equal(DmarcResult.Fail, v.Result);
        Assert.Equal("reject", v.Disposition);
    }

    [Fact]
    public async Task Spf_softfail_never_aligns()
    {
        var dns = new InMemoryDnsResolver().AddTxt("_dmarc.contoso.test", "v=DMARC1; p=quarantine");

        var v = await Evaluator(dns).EvaluateAsync(Msg("From: a@contoso.test"), Spf(SpfResult.SoftFail, "contoso.test"), []);

        Assert.Equal(DmarcResult.Fail, v.Result);
        Assert.Equal("quarantine", v.Disposition);
    }

    [Fact]
    public async Task Dkim_pass_aligns_relaxed_and_strict()
    {
        var dns = new InMemoryDnsResolver()
            .AddTxt("_dmarc.contoso.test", "v=DMARC1; p=reject; adkim=s");

        var relaxedFail = await Evaluator(dns).EvaluateAsync(Msg("From: a@contoso.test"), null, [Dkim(DkimResult.Pass, "mail.contoso.test")]);
        var strictPass = await Evaluator(dns).EvaluateAsync(Msg("From: a@contoso.test"), null, [Dkim(DkimResult.Fail, "other.test"), Dkim(DkimResult.Pass, "contoso.test")]);
        var failedSig = await Evaluator(dns).EvaluateAsync(Msg("From: a@contoso.test"), null, [Dkim(DkimResult.Fail, "contoso.test")]);

        Assert.Equal(DmarcResult.Fail, relaxedFail.Result);
        Assert.Equal(DmarcResult.Pass, strictPass.Result);
        Assert.True(strictPass.DkimAligned);
        Assert.Equal(DmarcResult.Fail, failedSig.Result);
    }

    [Fact]
    public async Task Subdomain_without_record_uses_org_record_and_sp()
    {
        var dns = new InMemoryDnsResolver().AddTxt("_dmarc.contoso.co.uk", "v=DMARC1; p=reject; sp=quarantine");

        var v = await Evaluator(dns).EvaluateAsync(Msg("From: a@news.contoso.co.uk"), Spf(SpfResult.Fail, "news.contoso.co.uk"), []);

        Assert.Equal(DmarcResult.Fail, v.Result);
        Assert.Equal("quarantine", v.Policy);
        Assert.Equal("quarantine", v.Disposition);
        Assert.Equal("news.contoso.co.uk", v.FromDomain);
        Assert.Equal("contoso.co.uk", v.OrgDomain);
    }

    [Fact]
    public async Task Record_at_the_from_domain_itself_uses_p_not_sp()
    {
        var dns = new InMemoryDnsResolver().AddTxt("_dmarc.news.contoso.test", "v=DMARC1; p=none; sp=reject");

        var v = await Evaluator(dns).EvaluateAsync(Msg("From: a@news.contoso.test"), null, []);

        Assert.Equal("none", v.Policy);
    }

    [Theory]
    [InlineData(10, "reject")]
    [InlineData(60, "quarantine")]
    public async Task Pct_sampling_applies_the_next_less_strict_policy_outside_the_sample(int sample, string disposition)
    {
        var dns = new InMemoryDnsResolver().AddTxt("_dmarc.contoso.test", "v=DMARC1; p=reject; pct=50");

        var v = await Evaluator(dns, sample).EvaluateAsync(Msg("From: a@contoso.test"), null, []);

        Assert.Equal(DmarcResult.Fail, v.Result);
        Assert.Equal("reject", v.Policy);
        Assert.Equal(disposition, v.Disposition);
    }

    [Fact]
    public async Task No_record_gives_none()
    {
        var v = await Evaluator(new InMemoryDnsResolver()).EvaluateAsync(Msg("From: a@contoso.test"), null, []);

        Assert.Equal(DmarcResult.None, v.Result);
        Assert.Null(v.Policy);
        Assert.Equal("none", v.Disposition);
    }

    [Fact]
    public async Task Several_dmarc_records_give_none_and_other_txt_is_ignored()
    {
        var several = new InMemoryDnsResolver().AddTxt("_dmarc.contoso.test", "v=DMARC1; p=reject").AddTxt("_dmarc.contoso.test", "v=DMARC1; p=none");
        var mixed = new InMemoryDnsResolver().AddTxt("_dmarc.contoso.test", "v=DMARC1; p=reject").AddTxt("_dmarc.contoso.test", "google-site-verification=x");

        var v1 = await Evaluator(several).EvaluateAsync(Msg("From: a@contoso.test"), null, []);
        var v2 = await Evaluator(mixed).EvaluateAsync(Msg("From: a@contoso.test"), null, []);

        Assert.Equal(DmarcResult.None, v1.Result);
        Assert.Equal(DmarcResult.Fail, v2.Result);
    }

    [Fact]
    public async Task Dns_failure_gives_temperror()
    {
        var dns = new InMemoryDnsResolver().AddFailure("_dmarc.contoso.test", DnsStatus.Timeout);

        var v = await Evaluator(dns).EvaluateAsync(Msg("From: a@contoso.test"), null, []);

        Assert.Equal(DmarcResult.TempError, v.Result);
    }

    [Fact]
    public async Task Unusable_record_gives_permerror_with_the_errors()
    {
        var dns = new InMemoryDnsResolver().AddTxt("_dmarc.contoso.test", "v=DMARC1; p=bogus");

        var v = await Evaluator(dns).EvaluateAsync(Msg("From: a@contoso.test"), null, []);

        Assert.Equal(DmarcResult.PermError, v.Result);
        Assert.Contains("invalid p=bogus", v.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("To: b@example.com", "no From header")]
    [InlineData("From: a@contoso.test\nFrom: b@contoso.test", "several From headers")]
    [InlineData("From: a@contoso.test, b@fabrikam.test", "several domains")]
    [InlineData("From: nobody", "no domain")]
    public async Task From_problems_give_permerror_per_6_6_1(string headers, string reasonPart)
    {
        var dns = new InMemoryDnsResolver().AddTxt("_dmarc.contoso.test", "v=DMARC1; p=reject");

        var v = await Evaluator(dns).EvaluateAsync(Msg(headers), null, []);

        Assert.Equal(DmarcResult.PermError, v.Result);
        Assert.Null(v.FromDomain);
        Assert.Contains(reasonPart, v.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_addresses_in_one_domain_are_one_author_domain()
    {
        var dns = new InMemoryDnsResolver().AddTxt("_dmarc.contoso.test", "v=DMARC1; p=reject");

        var v = await Evaluator(dns).EvaluateAsync(Msg("From: a@contoso.test, \"B\" <b@CONTOSO.test>"), Spf(SpfResult.Pass, "contoso.test"), []);

        Assert.Equal(DmarcResult.Pass, v.Result);
        Assert.Equal("contoso.test", v.FromDomain);
    }
}
