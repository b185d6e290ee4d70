using System.Net;
using SmarthostLab.Tests.Support;
using SmarthostLab.Verification.Dns;
using SmarthostLab.Verification.Spf;
using SmarthostLab.Verification.Tests.Dns;

namespace SmarthostLab.Verification.Tests.Spf;

public sealed class SpfEvaluatorTests
{
    private static readonly ZoneResolver Zone = ZoneResolver.FromText("""
        $TTL 300
        $ORIGIN contoso.test.
        @        TXT "v=spf1 ip4:192.0.2.10 include:_spf.smarthost.test -all"
        mail     A 192.0.2.10
        relay    TXT "v=spf1 a:mail.contoso.test -all"
        timeouts TXT "v=spf1 include:slow.example -all"
        failing  TXT "v=spf1 a:broken.example -all"
        why      TXT "v=spf1 -all exp=exp.contoso.test"
        exp      TXT "%{i} is not one of %{d}'s senders"
        helo     TXT "v=spf1 ip4:192.0.2.99 -all"
        $ORIGIN smarthost.test.
        _spf     TXT "v=spf1 ip4:198.51.100.0/24 ip6:2001:db8:25::/48 ~all"
        """);

    private static SpfEvaluator Evaluator(IDnsResolver? dns = null) => new(dns ?? new ChainResolver([Zone], null));

    [Fact]
    public async Task An_included_network_passes_and_the_reason_names_the_mechanism_and_domain()
    {
        var verdict = await Evaluator().CheckMailFromAsync(IPAddress.Parse("198.51.100.25"), "alice@contoso.test", "smarthost.test");
        Assert.Equal(SpfResult.Pass, verdict.Result);
        Assert.Equal("contoso.test", verdict.Domain);
        Assert.Equal("mailfrom", verdict.Identity);
        Assert.Equal("198.51.100.25", verdict.Ip);
        Assert.Equal("matched include:_spf.smarthost.test in contoso.test", verdict.Reason);
    }

    [Fact]
    public async Task An_ipv4_mapped_ipv6_client_is_checked_as_ipv4()
    {
        var verdict = await Evaluator().CheckMailFromAsync(IPAddress.Parse("::ffff:192.0.2.10"), "alice@contoso.test", "mail.contoso.test");
        Assert.Equal(SpfResult.Pass, verdict.Result);
        Assert.Equal("192.0.2.10", verdict.Ip);
        Assert.Equal("matched ip4:192.0.2.10 in contoso.test", verdict.Reason);
    }

    [Fact]
    public async Task Ipv6_clients_match_ip6_networks()
    {
        var verdict = await Evaluator().CheckMailFromAsync(IPAddress.Parse("2001:db8:25::1"), "alice@contoso.test", "x.test");
        Assert.Equal(SpfResult.Pass, verdict.Result);
    }

    [Fact]
    public async Task An_unlisted_client_fails_on_minus_all()
    {
        var verdict = await Evaluator().CheckMailFromAsync(IPAddress.Parse("203.0.113.9"), "alice@contoso.test", "x.test");
        Assert.Equal(SpfResult.Fail, verdict.Result);
        Assert.Equal("matched -all in contoso.test", verdict.Reason);
    }

    [Fact]
    public async Task A_null_sender_checks_postmaster_at_the_helo_name()
    {
        var verdict = await Evaluator().CheckMailFromAsync(IPAddress.Parse("192.0.2.99"), "", "helo.contoso.test");
        Assert.Equal(SpfResult.Pass, verdict.Result);
        Assert.Equal("helo", verdict.Identity);
        Assert.Equal("helo.contoso.test", verdict.Domain);
    }

    [Fact]
    public async Task The_helo_identity_can_be_checked_on_its_own()
    {
        var verdict = await Evaluator().CheckHeloAsync(IPAddress.Parse("192.0.2.1"), "helo.contoso.test");
        Assert.Equal(SpfResult.Fail, verdict.Result);
        Assert.Equal("helo", verdict.Identity);
    }

    [Fact]
    public async Task No_record_is_none_with_a_reason()
    {
        var verdict = await Evaluator().CheckMailFromAsync(IPAddress.Parse("192.0.2.1"), "bob@mail.contoso.test", "x.test");
        Assert.Equal(SpfResult.None, verdict.Result);
        Assert.Equal("no SPF record at mail.contoso.test", verdict.Reason);
    }

    [Fact]
    public async Task Explanations_are_macro_expanded_on_fail()
    {
        var verdict = await Evaluator().CheckMailFromAsync(IPAddress.Parse("192.0.2.1"), "bob@why.contoso.test", "x.test");
        Assert.Equal(SpfResult.Fail, verdict.Result);
        Assert.Equal("192.0.2.1 is not one of why.contoso.test's senders", verdict.Explanation);
    }

    [Fact]
    public async Task A_timing_out_include_is_temperror_naming_the_lookup()
    {
        var dns = new ChainResolver([Zone], FailingDnsResolver.TimingOut());
        var verdict = await Evaluator(dns).CheckMailFromAsync(IPAddress.Parse("192.0.2.1"), "bob@timeouts.contoso.test", "x.test");
        Assert.Equal(SpfResult.TempError, verdict.Result);
        Assert.Equal("DNS timeout looking up TXT slow.example", verdict.Reason);
    }

    [Fact]
    public async Task A_servfail_on_an_a_lookup_is_temperror()
    {
        var dns = new ChainResolver([Zone], FailingDnsResolver.ServFail());
        var verdict = await Evaluator(dns).CheckMailFromAsync(IPAddress.Parse("192.0.2.1"), "bob@failing.contoso.test", "x.test");
        Assert.Equal(SpfResult.TempError, verdict.Result);
        Assert.Equal("DNS server failure looking up A broken.example", verdict.Reason);
    }

    [Fact]
    public async Task A_servfail_on_the_record_itself_is_temperror()
    {
        var verdict = await Evaluator(FailingDnsResolver.ServFail()).CheckMailFromAsync(IPAddress.Parse("192.0.2.1"), "bob@contoso.test", "x.test");
        Assert.Equal(SpfResult.TempError, verdict.Result);
    }

    [Fact]
    public async Task Eleven_lookups_are_a_permerror()
    {
        var dns = new InMemoryDnsResolver().AddTxt("many.test", "v=spf1 " + string.Join(' ', Enumerable.Range(0, 11).Select(i => $"a:h{i}.many.test")) + " -all");
        for (var i = 0; i < 11; i++)
        {
            dns.AddA($"h{i}.many.test", "203.0.113.1");
        }

        var verdict = await Evaluator(dns).CheckMailFromAsync(IPAddress.Parse("192.0.2.1"), "a@many.test", "x.test");
        Assert.Equal(SpfResult.PermError, verdict.Result);
        Assert.Equal("more than 10 DNS lookups (at a:h10.many.test in many.test)", verdict.Reason);
    }

    [Fact]
    public async Task A_third_void_lookup_is_a_permerror()
    {
        var dns = new InMemoryDnsResolver().AddTxt("void.test", "v=spf1 a:n1.void.test a:n2.void.test a:n3.void.test -all");
        var verdict = await Evaluator(dns).CheckMailFromAsync(IPAddress.Parse("192.0.2.1"), "a@void.test", "x.test");
        Assert.Equal(SpfResult.PermError, verdict.Result);
        Assert.Contains("void", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_warm_cache_evaluation_asks_the_inner_resolver_nothing()
    {
        var inner = new InMemoryDnsResolver().AddTxt("c.test", "v=spf1 ip4:192.0.2.0/24 include:i.test -all").AddTxt("i.test", "v=spf1 ip4:198.51.100.0/24 -all");
        var cache = new CachingDnsResolver(inner);
        var spf = Evaluator(cache);
        await spf.CheckMailFromAsync(IPAddress.Parse("198.51.100.1"), "a@c.test", "x.test");
        var before = inner.Queries;
        for (var i = 0; i < 100; i++)
        {
            var verdict = await spf.CheckMailFromAsync(IPAddress.Parse("198.51.100.1"), "a@c.test", "x.test");
            Assert.Equal(SpfResult.Pass, verdict.Result);
        }

        Assert.Equal(before, inner.Queries);
    }

    [Fact]
    public async Task The_sample_lab_zone_passes_the_smarthost_egress_and_fails_others()
    {
        var path = Path.Combine(RepositoryFiles.Root(), "samples", "lab.zone");
        Assert.True(File.Exists(path), path);
        var spf = new SpfEvaluator(new CachingDnsResolver(new ChainResolver([ZoneResolver.Load([path])], null)));

        var egress = await spf.CheckMailFromAsync(IPAddress.Parse("198.51.100.25"), "alice@contoso.test", "smarthost.test");
        Assert.Equal(SpfResult.Pass, egress.Result);
        Assert.Equal("matched include:_spf.smarthost.test in contoso.test", egress.Reason);
        Assert.Equal(SpfResult.Fail, (await spf.CheckMailFromAsync(IPAddress.Parse("203.0.113.7"), "alice@contoso.test", "smarthost.test")).Result);

        var inspection = await new SpfInspector(new ChainResolver([ZoneResolver.Load([path])], null)).InspectAsync("contoso.test");
        Assert.True(inspection.IsValid);
        Assert.Equal(2, inspection.DnsLookups);
    }
}
