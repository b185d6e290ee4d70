using System.Net;
using System.Net.Sockets;
using System.Text;
using SmarthostLab.Relay.Delivery;
using SmarthostLab.Verification.Dns;

namespace SmarthostLab.Relay.Tests.Delivery;

public sealed class DestinationResolverTests
{
    private const int MxPort = 2526;

    private const string Zone = """
        $TTL 300
        $ORIGIN lab.test.
        @          SOA ns hostmaster 1 3600 600 86400 60
        ; three hosts share preference 10; one below, one above
        multi      MX 20 c
                   MX 10 a
                   MX 10 b
                   MX 10 d
                   MX 30 e
        a          A 127.0.0.11
        b          A 127.0.0.12
                   AAAA ::1
        c          A 127.0.0.13
        d          A 127.0.0.14
        e          A 127.0.0.15
        implicit   A 127.0.0.20
                   AAAA ::1
        nullmx     MX 0 .
        txtonly    TXT "v=spf1 -all"
        deadmx     MX 10 gone
                   MX 20 alsogone
        halfdead   MX 10 gone
                   MX 20 slow
                   MX 30 e
        slowmx     MX 10 slow
                   MX 20 slow2
        same       MX 10 a
                   MX 20 a
                   MX 30 twin
        twin       A 127.0.0.11
        relay      A 127.0.0.30
        alias      CNAME relay
        """;

    private static ZoneResolver LabZone() => ZoneResolver.FromText(Zone, "lab.zone");

    private static DestinationResolver Resolver(IDnsResolver? dns = null, int seed = 1)
        => new(dns ?? LabZone(), MxPort, shuffle: new Random(seed));

    /// <summary>A resolver whose system fallback finds nothing and must not be asked about real names.</summary>
    private static DestinationResolver WithoutSystemResolver(IDnsResolver dns, List<string>? asked = null)
        => new(dns, MxPort, null, new Random(1), (host, _) =>
        {
            asked?.Add(host);
            return Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound));
        });

    private static string[] Hosts(ResolvedDestination resolved) => [.. resolved.Targets.Select(t => t.HostName)];

    private static string[] Addresses(ResolvedDestination resolved) => [.. resolved.Targets.Select(t => t.Address.ToString())];

    private static void AssertFailure(ResolvedDestination resolved, bool permanent, string status, string text)
    {
        Assert.Empty(resolved.Targets);
        var failure = Assert.IsType<DestinationFailure>(resolved.Failure);
        Assert.Equal(permanent, failure.Permanent);
        Assert.Equal(status, failure.Status);
        Assert.Contains(text, failure.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mx_hosts_come_by_preference_each_with_its_addresses_ipv4_first()
    {
        var resolved = await Resolver().ResolveAsync("mx:multi.lab.test", CancellationToken.None);

        Assert.Null(resolved.Failure);
        var hosts = Hosts(resolved);
        Assert.Equal(["a.lab.test", "b.lab.test", "d.lab.test"], hosts.Take(4).Distinct().Order());
        Assert.Equal(["c.lab.test", "e.lab.test"], hosts[^2..]);
        Assert.Equal([10, 10, 10, 10, 20, 30], resolved.Targets.Select(t => t.Preference));
        var b = resolved.Targets.Where(t => t.HostName == "b.lab.test").Select(t => t.Address.ToString());
        Assert.Equal(["127.0.0.12", "::1"], b);
    }

    [Fact]
    public async Task Equal_preferences_are_shuffled_by_the_injected_random_and_stay_a_permutation()
    {
        var orders = new HashSet<string>();
        for (var seed = 0; seed < 20; seed++)
        {
            var resolved = await Resolver(seed: seed).ResolveAsync("mx:multi.lab.test", CancellationToken.None);
            var first = Hosts(resolved).Take(4).Distinct().ToArray();
            Assert.Equal(["a.lab.test", "b.lab.test", "d.lab.test"], first.Order());
            orders.Add(string.Join(' ', first));

            var again = await Resolver(seed: seed).ResolveAsync("mx:multi.lab.test", CancellationToken.None);
            Assert.Equal(Hosts(resolved), Hosts(again));
        }

        Assert.True(orders.Count > 1, "twenty seeds gave one order");
    }

    [Fact]
    public async Task Mx_targets_at_127_0_0_x_carry_the_configured_port()
    {
        var resolved = await Resolver().ResolveAsync("mx:multi.lab.test", CancellationToken.None);

        Assert.All(resolved.Targets, t => Assert.Equal(MxPort, t.Port));
        Assert.Contains(IPAddress.Parse("127.0.0.13"), resolved.Targets.Select(t => t.Address));
        Assert.Equal(IPAddress.Parse("127.0.0.15"), resolved.Targets[^1].Address);
    }

    [Fact]
    public async Task A_domain_without_mx_records_is_its_own_mx_at_preference_zero()
    {
        var resolved = await Resolver().ResolveAsync("mx:implicit.lab.test", CancellationToken.None);

        Assert.Null(resolved.Failure);
        Assert.Equal(
            [new("implicit.lab.test", IPAddress.Parse("127.0.0.20"), MxPort, 0), new("implicit.lab.test", IPAddress.IPv6Loopback, MxPort, 0)],
            resolved.Targets);
    }

    [Fact]
    public async Task A_null_mx_fails_permanently_at_once()
    {
        var dns = new ScriptedDnsResolver(LabZone());
        var resolved = await Resolver(dns).ResolveAsync("mx:nullmx.lab.test", CancellationToken.None);

        AssertFailure(resolved, permanent: true, "5.1.10", "nullmx.lab.test has a null MX (RFC 7505)");
        Assert.Equal([("nullmx.lab.test", DnsRecordType.MX)], dns.Queries);
    }

    [Fact]
    public async Task A_null_mx_from_live_dns_with_its_dot_trimmed_fails_permanently_too()
    {
        var dns = new InMemoryMx("trimmed.example", new DnsRecord("trimmed.example", DnsRecordType.MX, TimeSpan.FromMinutes(5), Host: "", Preference: 0));
        var resolved = await Resolver(dns).ResolveAsync("mx:trimmed.example", CancellationToken.None);

        AssertFailure(resolved, permanent: true, "5.1.10", "accepts no mail");
    }

    [Fact]
    public async Task A_domain_that_does_not_exist_fails_permanently()
    {
        var resolved = await Resolver().ResolveAsync("mx:nosuch.lab.test", CancellationToken.None);

        AssertFailure(resolved, permanent: true, "5.1.2", "domain nosuch.lab.test does not exist");
    }

    [Fact]
    public async Task A_domain_with_neither_mx_nor_address_fails_permanently()
    {
        var resolved = await Resolver().ResolveAsync("mx:txtonly.lab.test", CancellationToken.None);

        AssertFailure(resolved, permanent: true, "5.1.2", "txtonly.lab.test has no MX and no address records");
    }

    [Theory]
    [InlineData(DnsStatus.Timeout, "(timeout)")]
    [InlineData(DnsStatus.ServerFailure, "(server failure)")]
    public async Task A_failed_mx_lookup_is_transient(DnsStatus status, string reason)
    {
        var resolved = await Resolver(ScriptedDnsResolver.Failing(status)).ResolveAsync("mx:example.com", CancellationToken.None);

        AssertFailure(resolved, permanent: false, "4.4.3", $"DNS lookup of MX for example.com failed {reason}");
    }

    [Fact]
    public async Task A_failed_address_lookup_for_an_implicit_mx_is_transient()
    {
        var dns = new ScriptedDnsResolver(LabZone()).Fail("implicit.lab.test", DnsStatus.Timeout, DnsRecordType.A).Fail("implicit.lab.test", DnsStatus.Timeout, DnsRecordType.AAAA);
        var resolved = await Resolver(dns).ResolveAsync("mx:implicit.lab.test", CancellationToken.None);

        AssertFailure(resolved, permanent: false, "4.4.3", "DNS lookup of addresses for implicit.lab.test failed (timeout)");
    }

    [Fact]
    public async Task Mx_hosts_that_do_not_exist_defer_with_4_4_4()
    {
        var resolved = await Resolver().ResolveAsync("mx:deadmx.lab.test", CancellationToken.None);

        AssertFailure(resolved, permanent: false, "4.4.4", "no MX host of deadmx.lab.test has an address (gone.lab.test, alsogone.lab.test)");
    }

    [Fact]
    public async Task Mx_hosts_whose_lookups_all_time_out_defer_with_4_4_3()
    {
        var dns = new ScriptedDnsResolver(LabZone()).Fail("slow.lab.test", DnsStatus.Timeout).Fail("slow2.lab.test", DnsStatus.ServerFailure);
        var resolved = await Resolver(dns).ResolveAsync("mx:slowmx.lab.test", CancellationToken.None);

        AssertFailure(resolved, permanent: false, "4.4.3", "DNS lookup of the MX hosts of slowmx.lab.test failed");
    }

    [Fact]
    public async Task Mx_hosts_that_do_not_resolve_are_skipped()
    {
        var dns = new ScriptedDnsResolver(LabZone()).Fail("slow.lab.test", DnsStatus.Timeout);
        var resolved = await Resolver(dns).ResolveAsync("mx:halfdead.lab.test", CancellationToken.None);

        Assert.Null(resolved.Failure);
        Assert.Equal([new DeliveryTarget("e.lab.test", IPAddress.Parse("127.0.0.15"), MxPort, 30)], resolved.Targets);
    }

    [Fact]
    public async Task A_host_or_address_listed_twice_is_tried_once()
    {
        var resolved = await Resolver().ResolveAsync("mx:same.lab.test", CancellationToken.None);

        Assert.Equal(["a.lab.test"], Hosts(resolved));
        Assert.Equal(["127.0.0.11"], Addresses(resolved));
    }

    [Fact]
    public async Task A_hostile_zone_is_capped_at_ten_mx_hosts_and_twenty_addresses()
    {
        var zone = new StringBuilder("$ORIGIN big.test.\n@ SOA ns hostmaster 1 3600 600 86400 60\n");
        for (var i = 0; i < 40; i++)
        {
            zone.Append($"@ MX {i} mx{i}\n");
            for (var j = 1; j <= 3; j++)
            {
                zone.Append($"mx{i} A 127.0.{i}.{j}\n");
            }
        }

        var dns = new ScriptedDnsResolver(ZoneResolver.FromText(zone.ToString()));
        var resolved = await Resolver(dns).ResolveAsync("mx:big.test", CancellationToken.None);

        Assert.Equal(DestinationResolver.MaxAddresses, resolved.Targets.Count);
        Assert.Equal("mx0.big.test", resolved.Targets[0].HostName);
        Assert.Equal(1 + 2 * DestinationResolver.MaxExchanges, dns.Queries.Count);
    }

    [Fact]
    public async Task An_address_literal_recipient_goes_to_that_address_without_dns()
    {
        var dns = ScriptedDnsResolver.Failing(DnsStatus.Timeout);
        var resolved = await Resolver(dns).ResolveAsync(Destination.Mx("postmaster@[127.0.0.5]"), CancellationToken.None);

        Assert.Equal([new DeliveryTarget("127.0.0.5", IPAddress.Parse("127.0.0.5"), MxPort, 0)], resolved.Targets);
        Assert.Empty(dns.Queries);
    }

    [Theory]
    [InlineData("[127.0.0.1]:2600", "127.0.0.1")]
    [InlineData("127.0.0.2:2600", "127.0.0.2")]
    [InlineData("[::1]:2600", "::1")]
    public async Task A_next_hop_literal_is_one_target_without_dns(string hostPort, string address)
    {
        var dns = ScriptedDnsResolver.Failing(DnsStatus.Timeout);
        var resolved = await Resolver(dns).ResolveAsync(Destination.NextHop(hostPort), CancellationToken.None);

        Assert.Equal([new DeliveryTarget(address, IPAddress.Parse(address), 2600, 0)], resolved.Targets);
        Assert.Empty(dns.Queries);
    }

    [Fact]
    public async Task A_next_hop_name_resolves_through_the_relay_resolver_and_follows_cnames()
    {
        var asked = new List<string>();
        var resolved = await WithoutSystemResolver(LabZone(), asked).ResolveAsync("nexthop:alias.lab.test:2600", CancellationToken.None);

        Assert.Equal([new DeliveryTarget("alias.lab.test", IPAddress.Parse("127.0.0.30"), 2600, 0)], resolved.Targets);
        Assert.Empty(asked);
    }

    [Fact]
    public async Task Localhost_as_next_hop_resolves_through_the_system_resolver()
    {
        // A zone-only resolver answers SERVFAIL for names outside its zones; /etc/hosts knows localhost.
        var resolved = await Resolver().ResolveAsync(Destination.NextHop("localhost:2526"), CancellationToken.None);

        Assert.Null(resolved.Failure);
        Assert.NotEmpty(resolved.Targets);
        Assert.All(resolved.Targets, t =>
        {
            Assert.True(IPAddress.IsLoopback(t.Address), $"{t.Address} is not loopback");
            Assert.Equal("localhost", t.HostName);
            Assert.Equal(2526, t.Port);
        });
    }

    [Fact]
    public async Task A_next_hop_nobody_can_resolve_defers_with_4_4_4()
    {
        var asked = new List<string>();
        var resolved = await WithoutSystemResolver(LabZone(), asked).ResolveAsync("nexthop:gone.lab.test:25", CancellationToken.None);

        AssertFailure(resolved, permanent: false, "4.4.4", "no address for next hop host gone.lab.test");
        Assert.Equal(["gone.lab.test"], asked);
    }

    [Fact]
    public async Task A_next_hop_whose_dns_lookup_fails_defers_with_4_4_3()
    {
        var resolved = await WithoutSystemResolver(ScriptedDnsResolver.Failing(DnsStatus.Timeout)).ResolveAsync("nexthop:mail.example.com:25", CancellationToken.None);

        AssertFailure(resolved, permanent: false, "4.4.3", "DNS lookup of next hop host mail.example.com failed (timeout)");
    }

    [Theory]
    [InlineData("")]
    [InlineData("smtp:mail.test:25")]
    [InlineData("nexthop:mail.test")]
    [InlineData("nexthop:[mail.test]:25")]
    [InlineData("mx:")]
    [InlineData("mx:bad domain.test")]
    [InlineData("mx:[999.1.1.1]")]
    public async Task A_malformed_destination_is_an_argument_error(string destination)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Resolver().ResolveAsync(destination, CancellationToken.None));
    }

    /// <summary>One domain's MX records as live DNS would give them; everything else NXDOMAIN.</summary>
    private sealed class InMemoryMx(string domain, params DnsRecord[] records) : IDnsResolver
    {
        public ValueTask<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken = default)
            => ValueTask.FromResult(name == domain ? new DnsAnswer(DnsStatus.NoError, [.. records.Where(r => r.Type == type)]) : DnsAnswer.NonExistent());
    }
}
