using System.Net;
using SmarthostLab.Verification.Spf;

namespace SmarthostLab.Verification.Tests.Spf;

public sealed class SpfRecordTests
{
    [Fact]
    public void A_record_parses_into_mechanisms_modifiers_and_a_lookup_count()
    {
        var record = SpfRecord.Parse("v=spf1 ip4:198.51.100.0/24 ip6:2001:db8::/32 a mx:mail.contoso.test/24//64 include:_spf.smarthost.test ~all exp=why.%{d} foo=bar");

        Assert.Equal(6, record.Mechanisms.Count);
        Assert.Equal(SpfMechanismKind.Ip4, record.Mechanisms[0].Kind);
        Assert.Equal(IPAddress.Parse("198.51.100.0"), record.Mechanisms[0].Network);
        Assert.Equal(24, record.Mechanisms[0].Cidr4);
        Assert.Equal(32, record.Mechanisms[1].Cidr6);
        Assert.Equal((24, 64), (record.Mechanisms[3].Cidr4, record.Mechanisms[3].Cidr6));
        Assert.Equal("mail.contoso.test", record.Mechanisms[3].DomainSpec!.Text);
        Assert.Equal(SpfResult.SoftFail, record.Mechanisms[5].Qualifier);
        Assert.True(record.HasAll);
        Assert.Equal("why.%{d}", record.Explanation!.Value.Text);
        Assert.Equal("foo", Assert.Single(record.UnknownModifiers).Name);
        Assert.Equal(3, record.DnsLookupTerms);
    }

    [Theory]
    [InlineData("v=spf1 ip4:1.2.3.4/33", "invalid ip4 network")]
    [InlineData("v=spf1 ip4:1.2.3", "invalid ip4 network")]
    [InlineData("v=spf1 ip6:::1/129", "invalid ip6 network")]
    [InlineData("v=spf1 a:foo", "does not end in '.' toplabel")]
    [InlineData("v=spf1 a:foo.123", "invalid top label")]
    [InlineData("v=spf1 include", "needs a domain")]
    [InlineData("v=spf1 exists:%{x}.test", "invalid macro letter")]
    [InlineData("v=spf1 exists:%{c}.example.com", "only allowed in exp")]
    [InlineData("v=spf1 redirect=a.test redirect=b.test", "more than one redirect")]
    [InlineData("v=spf1 exp=a.test exp=b.test", "more than one exp")]
    [InlineData("v=spf1 bogus:a.test", "unknown mechanism")]
    [InlineData("v=spf1 -foo=bar", "invalid modifier")]
    [InlineData("v=spf1 foo=%", "'%' at end")]
    [InlineData("v=spf1 all:x", "invalid mechanism")]
    [InlineData("spf1 all", "does not start")]
    public void Syntax_errors_are_reported(string text, string error)
    {
        Assert.False(SpfRecord.TryParse(text, out _, out var message));
        Assert.Contains(error, message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => SpfRecord.Parse(text));
    }

    [Theory]
    [InlineData("v=spf1", true)]
    [InlineData("V=SPF1 -all", true)]
    [InlineData("v=spf10 -all", false)]
    [InlineData("v=spf1\t-all", false)]
    [InlineData("\"v=spf1\"", false)]
    public void Record_selection_needs_v_spf1_then_space_or_end(string text, bool expected)
        => Assert.Equal(expected, SpfRecord.IsSpfRecord(text));

    [Fact]
    public void Unknown_modifiers_are_ignored_but_must_be_well_formed()
    {
        Assert.True(SpfRecord.TryParse("v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all", out _, out _));
    }
}
