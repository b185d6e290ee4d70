using System.Net;
using SmarthostLab.Smtp.Proxy;

namespace SmarthostLab.Smtp.Tests;

/// <summary><c>Smtp:ProxyTrustedNetworks</c>: parsing, the loopback default, and the start-up error naming the key.</summary>
public sealed class TrustedProxiesTests
{
    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.255.0.9", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("10.0.0.1", false)]
    [InlineData("::2", false)]
    public void Empty_means_loopback(string peer, bool trusted)
    {
        Assert.True(TrustedProxies.TryCreate([], out var proxies, out _));
        Assert.Equal(trusted, proxies.Contains(IPAddress.Parse(peer)));
    }

    [Fact]
    public void Addresses_and_networks_are_matched_and_nothing_else()
    {
        Assert.True(TrustedProxies.TryCreate(["192.0.2.7", "10.1.0.0/16", "2001:db8::/64"], out var proxies, out _));
        Assert.True(proxies.Contains(IPAddress.Parse("192.0.2.7")));
        Assert.False(proxies.Contains(IPAddress.Parse("192.0.2.8")));
        Assert.True(proxies.Contains(IPAddress.Parse("10.1.200.3")));
        Assert.True(proxies.Contains(IPAddress.Parse("::ffff:10.1.0.1")));
        Assert.True(proxies.Contains(IPAddress.Parse("2001:db8::99")));
        Assert.False(proxies.Contains(IPAddress.Parse("2001:db8:0:1::99")));
        Assert.False(proxies.Contains(IPAddress.Loopback)); // a list replaces the loopback default
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("haproxy.internal")]
    [InlineData("fe80::1%eth0")]
    [InlineData("")]
    public void A_bad_entry_stops_the_start_naming_the_key(string entry)
    {
        var result = new SmtpOptionsValidator().Validate(null, new SmtpOptions { ProxyTrustedNetworks = ["127.0.0.1", entry] });
        Assert.True(result.Failed);
        Assert.Contains($"Smtp:ProxyTrustedNetworks: '{entry}' is neither an IP address nor a network in CIDR notation", result.FailureMessage);
    }
}
