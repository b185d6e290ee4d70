using System.Net;
using SmarthostLab.Relay.Admission;
using SmarthostLab.Verification;

namespace SmarthostLab.Relay.Tests;

public sealed class AdmissionUnitTests
{
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
