using System.Net;
using SmarthostLab.Relay.Admission;

namespace SmarthostLab.Relay.Tests;

public sealed class AdmissionUnitTests
{
    [Theory]
    [InlineData("192.0.2.10", "192.0.2.10")]
    [InlineData("192.0.2.10/32", "192.0.2.10")]
    [InlineData("192.0.2.77/24", "192.0.2.0/24")]
    [InlineData("2001:db8:10::/64", "2001:db8:10::/64")]
    [InlineData("::ffff:192.0.2.1", "192.0.2.1")]
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    public void Prefixes_parse_to_canonical_text(string text, string canonical)
    {
        Assert.True(IpPrefix.TryParse(text, out var prefix));
        Assert.Equal(canonical, prefix.ToString());
    }

    [Theory]
    [InlineData("300.1.1.1")]
    [InlineData("192.0.2.1/33")]
    [InlineData("2001:db8::/129")]
    [InlineData("10")]
    [InlineData("")]
    [InlineData("fe80::1%eth0")]
    public void Bad_prefixes_are_refused(string text) => Assert.False(IpPrefix.TryParse(text, out _));

    [Fact]
    public void Longest_prefix_wins_and_families_do_not_mix()
    {
        IpPrefix.TryParse("192.0.2.0/24", out var wide);
        IpPrefix.TryParse("192.0.2.10", out var host);
        IpPrefix.TryParse("2001:db8::/32", out var v6);
        var table = new PrefixTable<string>([(wide, "wide"), (host, "host"), (v6, "v6")]);

        Assert.Equal("host", table.Find(IPAddress.Parse("192.0.2.10")));
        Assert.Equal("wide", table.Find(IPAddress.Parse("192.0.2.11")));
        Assert.Equal("host", table.Find(IPAddress.Parse("::ffff:192.0.2.10")));
        Assert.Equal("v6", table.Find(IPAddress.Parse("2001:db8:1::5")));
        Assert.Null(table.Find(IPAddress.Parse("192.0.3.1")));
        Assert.Null(table.Find(IPAddress.Parse("2001:db9::1")));
    }
}
