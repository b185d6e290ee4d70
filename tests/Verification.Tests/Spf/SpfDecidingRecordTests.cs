using System.Net;
using SmarthostLab.Verification.Dns;
using SmarthostLab.Verification.Spf;

namespace SmarthostLab.Verification.Tests.Spf;

/// <summary>The verdict names the record and mechanism that decided (issue 15: the web page explains SPF in words).</summary>
public sealed class SpfDecidingRecordTests
{
    private static readonly ZoneResolver Zone = ZoneResolver.FromText("""
        $TTL 300
        $ORIGIN contoso.test.
        @        TXT "v=spf1 ip4:192.0.2.10 include:_spf.smarthost.test -all"
        moved    TXT "v=spf1 redirect=contoso.test"
        open     TXT "v=spf1 ip4:192.0.2.10"
        $ORIGIN smarthost.test.
        _spf     TXT "v=spf1 ip4:198.51.100.0/24 ~all"
        """);

    private static Task<SpfVerdict> CheckAsync(string ip, string from) =>
        new SpfEvaluator(new ChainResolver([Zone], null)).CheckMailFromAsync(IPAddress.Parse(ip), from, "x.test");

    [Theory]
    [InlineData("198.51.100.25", "alice@contoso.test", SpfResult.Pass, "include:_spf.smarthost.test", "contoso.test")]
    [InlineData("192.0.2.10", "alice@contoso.test", SpfResult.Pass, "ip4:192.0.2.10", "contoso.test")]
    [InlineData("203.0.113.9", "alice@contoso.test", SpfResult.Fail, "-all", "contoso.test")]
    [InlineData("203.0.113.9", "alice@moved.contoso.test", SpfResult.Fail, "-all", "contoso.test")]
    public async Task The_matching_mechanism_and_its_record_are_named(string ip, string from, SpfResult result, string mechanism, string recordDomain)
    {
        var verdict = await CheckAsync(ip, from);
        Assert.Equal(result, verdict.Result);
        Assert.Equal(mechanism, verdict.Mechanism);
        Assert.Equal("v=spf1 ip4:192.0.2.10 include:_spf.smarthost.test -all", verdict.Record);
        Assert.Equal(recordDomain, verdict.RecordDomain);
    }

    [Fact]
    public async Task No_match_names_the_record_without_a_mechanism()
    {
        var verdict = await CheckAsync("203.0.113.9", "alice@open.contoso.test");
        Assert.Equal(SpfResult.Neutral, verdict.Result);
        Assert.Equal("v=spf1 ip4:192.0.2.10", verdict.Record);
        Assert.Null(verdict.Mechanism);
        Assert.Equal("open.contoso.test", verdict.RecordDomain);
    }

    [Fact]
    public async Task Without_a_record_nothing_is_named()
    {
        var verdict = await CheckAsync("203.0.113.9", "alice@nothing.contoso.test");
        Assert.Equal(SpfResult.None, verdict.Result);
        Assert.Null(verdict.Record);
        Assert.Null(verdict.Mechanism);
        Assert.Null(verdict.RecordDomain);
    }
}
