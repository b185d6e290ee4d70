using System.Net;

namespace SmarthostLab.Verification.Tests;

/// <summary>The one prefix matcher and its longest-prefix table: the relay's registered outbound servers, the probe's client-ip finding, SPF ip4/ip6/a/mx.</summary>
public sealed class IpPrefixTests
{
    [Theory]
    [InlineData("192.0.2.10", "192.0.2.10")]
    [InlineData("192.0.2.10/32", "192.0.2.10")]
    [InlineData("192.0.2.77/24", "192.0.2.0/24")]
    [InlineData("2001:db8:10::/64", "2001:db8:10::/64")]
    [InlineData("::ffff:192.0.2.1", "192.0.2.1")]
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    [InlineData(" 192.0.2.1 ", "192.0.2.1")]
    public void Prefixes_parse_to_canonical_text(string text, string canonical)
    {
        Assert.True(IpPrefix.TryParse(text, out var prefix));
        Assert.Equal(canonical, prefix.ToString());
    }

    [Theory]
    [InlineData("300.1.1.1")]
    [InlineData("192.0.2.1/33")]
    [InlineData("2001:db8::/129")]
    [InlineData("192.0.2.1/-1")]
    [InlineData("192.0.2.1/")]
    [InlineData("10")]
    [InlineData("")]
    [InlineData("fe80::1%eth0")]
    public void Bad_prefixes_are_refused(string text) => Assert.False(IpPrefix.TryParse(text, out _));

    [Theory]
    [InlineData("127.0.0.2", "127.0.0.2", true)]
    [InlineData("127.0.0.3", "127.0.0.2", false)]
    [InlineData("192.0.2.77", "192.0.2.0/24", true)]
    [InlineData("192.0.3.1", "192.0.2.0/24", false)]
    [InlineData("192.0.2.77", "192.0.2.64/27", true)]
    [InlineData("192.0.2.96", "192.0.2.64/27", false)]
    [InlineData("2001:db8:10::5", "2001:db8:10::/64", true)]
    [InlineData("2001:db8:11::5", "2001:db8:10::/64", false)]
    [InlineData("::ffff:127.0.0.2", "127.0.0.2", true)]
    [InlineData("127.0.0.2", "::ffff:127.0.0.2", true)]
    [InlineData("192.0.2.1", "2001:db8::/0", false)]
    [InlineData("2001:db8::1", "0.0.0.0/0", false)]
    public void Addresses_and_ranges_match_within_their_family(string ip, string entry, bool expected)
    {
        Assert.True(IpPrefix.TryParse(entry, out var prefix));
        Assert.Equal(expected, prefix.Contains(IPAddress.Parse(ip)));
    }

    [Theory]
    [InlineData("192.0.2.200", "192.0.2.0", 24, true)]
    [InlineData("192.0.3.1", "192.0.2.0", 24, false)]
    [InlineData("192.0.2.1", "192.0.2.1", 32, true)]
    [InlineData("192.0.2.2", "192.0.2.1", 32, false)]
    [InlineData("10.9.8.7", "192.0.2.1", 0, true)]
    [InlineData("2001:db8::ff", "2001:db8::", 120, true)]
    [InlineData("2001:db8::1ff", "2001:db8::", 120, false)]
    // SPF keeps families apart itself: an IPv4 client against an IPv4-mapped ip6 network is not matched here.
    [InlineData("192.0.2.1", "::ffff:192.0.2.1", 128, false)]
    [InlineData("192.0.2.1", "192.0.2.1", 33, false)]
    public void In_range_compares_the_given_families_only(string ip, string network, int length, bool expected) =>
        Assert.Equal(expected, IpPrefix.InRange(IPAddress.Parse(ip), IPAddress.Parse(network), length));

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
