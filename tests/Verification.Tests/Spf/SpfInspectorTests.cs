using System.Net;
using SmarthostLab.Verification.Spf;
using SmarthostLab.Verification.Tests.Dns;

namespace SmarthostLab.Verification.Tests.Spf;

public sealed class SpfInspectorTests
{
    [Fact]
    public async Task Lookups_are_counted_across_the_include_tree()
    {
        var dns = new InMemoryDnsResolver()
            .AddTxt("contoso.test", "v=spf1 mx a include:_spf.smarthost.test include:_spf.smarthost.test -all")
            .AddTxt("_spf.smarthost.test", "v=spf1 ip4:198.51.100.0/24 include:more.smarthost.test ~all")
            .AddTxt("more.smarthost.test", "v=spf1 exists:%{i}.x.smarthost.test ~all");

        var result = await new SpfInspector(dns).InspectAsync("Contoso.test.", IPAddress.Parse("198.51.100.25"));

        Assert.Equal("contoso.test", result.Domain);
        Assert.Equal(4 + 2 * (1 + 1), result.DnsLookups);
        Assert.True(result.IsValid);
        Assert.Equal(5, result.Records.Count);
        Assert.Equal(SpfResult.Pass, result.Verdict!.Result);
    }

    [Fact]
    public async Task Too_many_lookups_several_records_and_syntax_errors_are_errors()
    {
        var dns = new InMemoryDnsResolver()
            .AddTxt("big.test", "v=spf1 " + string.Join(' ', Enumerable.Range(0, 11).Select(i => $"a:h{i}.big.test")) + " -all")
            .AddTxt("two.test", "v=spf1 -all").AddTxt("two.test", "v=spf1 +all")
            .AddTxt("bad.test", "v=spf1 ip4:1.2.3.4/40 -all");
        var inspector = new SpfInspector(dns);

        var big = await inspector.InspectAsync("big.test");
        Assert.Equal(11, big.DnsLookups);
        Assert.False(big.IsValid);
        Assert.Contains(big.Errors, e => e.Contains("more than 10", StringComparison.Ordinal));

        var two = await inspector.InspectAsync("two.test");
        Assert.False(two.HasRecord);
        Assert.Contains("two.test: more than one SPF record", two.Errors);

        var bad = await inspector.InspectAsync("bad.test");
        Assert.False(bad.IsValid);
        Assert.Contains(bad.Errors, e => e.StartsWith("bad.test: invalid ip4 network", StringComparison.Ordinal));

        var none = await inspector.InspectAsync("nothing.test");
        Assert.Contains("nothing.test: no SPF record", none.Errors);
    }

    [Fact]
    public async Task An_include_loop_is_reported_not_followed_forever()
    {
        var dns = new InMemoryDnsResolver().AddTxt("a.test", "v=spf1 include:b.test -all").AddTxt("b.test", "v=spf1 include:a.test -all");
        var result = await new SpfInspector(dns).InspectAsync("a.test");
        Assert.Contains("a.test: include/redirect loop", result.Errors);
    }
}
