using SmarthostLab.Verification.Dmarc;

namespace SmarthostLab.Verification.Tests.Dmarc;

public sealed class DmarcRecordTests
{
    [Fact]
    public void Full_record_parses_every_tag()
    {
        Assert.True(DmarcRecord.TryParse("v=DMARC1; p=reject; sp=quarantine; adkim=s; aspf=s; pct=50; fo=1:d; rua=mailto:a@example.com,mailto:b@example.com!10m; ruf=mailto:f@example.com; rf=afrf; ri=3600", out var r, out var errors));
        Assert.Empty(errors);
        Assert.Equal(DmarcPolicy.Reject, r!.Policy);
        Assert.Equal(DmarcPolicy.Quarantine, r.SubdomainPolicy);
        Assert.Equal(DmarcAlignmentMode.Strict, r.DkimAlignment);
        Assert.Equal(DmarcAlignmentMode.Strict, r.SpfAlignment);
        Assert.Equal(50, r.Percent);
        Assert.Equal(["1", "d"], r.FailureOptions);
        Assert.Equal(2, r.AggregateReportUris.Count);
        Assert.Single(r.FailureReportUris);
        Assert.Equal(3600, r.ReportInterval);
    }

    [Fact]
    public void Defaults_apply_when_tags_are_absent()
    {
        Assert.True(DmarcRecord.TryParse("v=DMARC1; p=none", out var r, out _));
        Assert.Equal(DmarcAlignmentMode.Relaxed, r!.DkimAlignment);
        Assert.Equal(100, r.Percent);
        Assert.Null(r.SubdomainPolicy);
        Assert.Equal(DmarcPolicy.None, r.PolicyFor(isSubdomain: true));
    }

    [Theory]
    [InlineData("p=reject; v=DMARC1")]
    [InlineData("v=DMARC2; p=reject")]
    [InlineData("v=spf1 -all")]
    [InlineData("v=dmarc1; p=reject")]
    public void Records_not_starting_with_v_DMARC1_are_not_dmarc(string text)
    {
        Assert.False(DmarcRecord.IsDmarcRecord(text));
        Assert.False(DmarcRecord.TryParse(text, out _, out var errors));
        Assert.NotEmpty(errors);
    }

    [Fact]
    public void Missing_p_without_rua_is_unusable()
    {
        Assert.False(DmarcRecord.TryParse("v=DMARC1; adkim=s", out _, out var errors));
        Assert.Contains("p= is missing", errors);
    }

    [Theory]
    [InlineData("v=DMARC1; rua=mailto:r@example.com")]
    [InlineData("v=DMARC1; p=bogus; rua=mailto:r@example.com")]
    [InlineData("v=DMARC1; p=reject; sp=bogus; rua=mailto:r@example.com")]
    public void Missing_or_invalid_p_with_rua_reads_as_p_none(string text)
    {
        Assert.True(DmarcRecord.TryParse(text, out var r, out var errors));
        Assert.Equal(DmarcPolicy.None, r!.Policy);
        Assert.True(r.PolicyImplied);
        Assert.NotEmpty(errors);
    }

    [Fact]
    public void Invalid_p_without_rua_is_unusable()
    {
        Assert.False(DmarcRecord.TryParse("v=DMARC1; p=bogus", out _, out var errors));
        Assert.Contains("invalid p=bogus", errors);
    }

    [Fact]
    public void Invalid_optional_values_are_reported_and_defaulted_unknown_tags_ignored()
    {
        Assert.True(DmarcRecord.TryParse("v=DMARC1; p=Quarantine; adkim=x; pct=150; fo=9; zz=top; rf=iodef; ri=soon", out var r, out var errors));
        Assert.Equal(DmarcPolicy.Quarantine, r!.Policy);
        Assert.Equal(DmarcAlignmentMode.Relaxed, r.DkimAlignment);
        Assert.Equal(100, r.Percent);
        Assert.Equal(5, errors.Count);
        Assert.DoesNotContain(errors, e => e.Contains("zz", StringComparison.Ordinal));
    }

    [Fact]
    public void Spaces_and_trailing_semicolons_are_allowed()
    {
        Assert.True(DmarcRecord.TryParse(" v = DMARC1 ;  p = reject ; ", out var r, out _));
        Assert.Equal(DmarcPolicy.Reject, r!.Policy);
    }
}
