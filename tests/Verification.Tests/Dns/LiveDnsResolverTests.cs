using System.Net;
using SmarthostLab.Verification.Dns;
using static SmarthostLab.Verification.Tests.Dns.LoopbackDnsServer;

namespace SmarthostLab.Verification.Tests.Dns;

/// <summary>The live resolver against a real UDP responder on loopback (never the internet).</summary>
public sealed class LiveDnsResolverTests
{
    private const ushort A = 1;
    private const ushort Txt = 16;
    private const ushort Soa = 6;

    private static readonly byte[] SpfOctets = [.. "v=spf1 caf"u8, 0xE9, .. " \"q\" \\b -all"u8];

    private static Reply? Answer(string name, ushort type) => name switch
    {
        "spf.lab.test" when type == Txt => new Reply(0, [new Rr(Txt, 120, TxtData(SpfOctets, "second"u8.ToArray()))], []),
        "spf.lab.test" => new Reply(0, [], [new Rr(Soa, 600, SoaData(45))]),
        "utf8.lab.test" => new Reply(0, [new Rr(Txt, 120, TxtData("v=spf1 \\123 café"u8.ToArray()))], []),
        "host.lab.test" when type == A => new Reply(0, [new Rr(A, 300, [192, 0, 2, 33])], []),
        "gone.lab.test" => new Reply(3, [], [new Rr(Soa, 30, SoaData(300))]),
        "broken.lab.test" => new Reply(2, [], []),
        _ => null,
    };

    private static LiveDnsResolver Resolver(LoopbackDnsServer server, int timeoutMs = 5000) => new(new DnsOptions
    {
        Servers = [server.EndPoint.ToString()],
        Timeout = TimeSpan.FromMilliseconds(timeoutMs),
        Retries = 0,
    });

    [Fact]
    public async Task Txt_strings_arrive_with_their_raw_octets()
    {
        await using var server = new LoopbackDnsServer(Answer);
        var answer = await Resolver(server).QueryAsync("spf.lab.test", DnsRecordType.TXT);

        Assert.Equal(DnsStatus.NoError, answer.Status);
        var record = Assert.Single(answer.Records);
        Assert.Equal("spf.lab.test", record.Name);
        Assert.Equal(TimeSpan.FromSeconds(120), record.Ttl);
        Assert.Equal(["v=spf1 caf\u00e9 \"q\" \\b -all", "second"], record.TextStrings);
    }

    [Fact]
    public async Task Valid_utf8_also_arrives_as_its_octets_and_backslashes_stay()
    {
        await using var server = new LoopbackDnsServer(Answer);
        var answer = await Resolver(server).QueryAsync("utf8.lab.test", DnsRecordType.TXT);
        Assert.Equal("v=spf1 \\123 caf\u00c3\u00a9", Assert.Single(answer.Records).Text);
    }

    [Fact]
    public async Task Addresses_map_and_an_empty_answer_is_nodata_with_the_soa_ttl()
    {
        await using var server = new LoopbackDnsServer(Answer);
        var resolver = Resolver(server);

        var a = await resolver.QueryAsync("host.lab.test.", DnsRecordType.A);
        Assert.Equal(IPAddress.Parse("192.0.2.33"), Assert.Single(a.Records).Address);

        var nodata = await resolver.QueryAsync("spf.lab.test", DnsRecordType.A);
        Assert.Equal(DnsStatus.NoError, nodata.Status);
        Assert.Empty(nodata.Records);
        Assert.Equal(TimeSpan.FromSeconds(45), nodata.NegativeTtl);
    }

    [Fact]
    public async Task Nxdomain_carries_the_smaller_of_soa_ttl_and_minimum()
    {
        await using var server = new LoopbackDnsServer(Answer);
        var answer = await Resolver(server).QueryAsync("gone.lab.test", DnsRecordType.TXT);
        Assert.Equal(DnsStatus.NxDomain, answer.Status);
        Assert.Equal(TimeSpan.FromSeconds(30), answer.NegativeTtl);
    }

    [Fact]
    public async Task Servfail_is_a_server_failure()
    {
        await using var server = new LoopbackDnsServer(Answer);
        var answer = await Resolver(server).QueryAsync("broken.lab.test", DnsRecordType.TXT);
        Assert.Equal(DnsStatus.ServerFailure, answer.Status);
        Assert.True(answer.IsTemporaryFailure);
    }

    [Fact]
    public async Task Silence_is_a_timeout_not_an_exception()
    {
        await using var server = new LoopbackDnsServer(Answer);
        var answer = await Resolver(server, timeoutMs: 300).QueryAsync("silent.lab.test", DnsRecordType.TXT);
        Assert.Equal(DnsStatus.Timeout, answer.Status);
    }

    [Fact]
    public async Task Spf_over_live_dns_reports_temperror_for_servfail()
    {
        await using var server = new LoopbackDnsServer(Answer);
        var spf = new SmarthostLab.Verification.Spf.SpfEvaluator(Resolver(server));
        var verdict = await spf.CheckMailFromAsync(IPAddress.Parse("192.0.2.1"), "a@broken.lab.test", "mx.lab.test");
        Assert.Equal(SpfResult.TempError, verdict.Result);
        Assert.Equal("DNS server failure looking up TXT broken.lab.test", verdict.Reason);
    }

    [Fact]
    public async Task Offline_answers_servfail_without_sending_anything()
    {
        await using var server = new LoopbackDnsServer(Answer);
        var resolver = new LiveDnsResolver(new DnsOptions { Offline = true, Servers = [server.EndPoint.ToString()] });
        var answer = await resolver.QueryAsync("spf.lab.test", DnsRecordType.TXT);
        Assert.Equal(DnsStatus.ServerFailure, answer.Status);
        Assert.Equal(0, server.Received);
    }

    [Theory]
    [InlineData("192.0.2.53", "192.0.2.53:53")]
    [InlineData("127.0.0.1:5353", "127.0.0.1:5353")]
    [InlineData("2001:db8::53", "[2001:db8::53]:53")]
    [InlineData("[2001:db8::53]:5353", "[2001:db8::53]:5353")]
    public void Servers_are_ip_or_ip_and_port(string text, string expected)
        => Assert.Equal(expected, LiveDnsResolver.ParseServer(text).ToString());

    [Fact]
    public void A_server_that_is_not_an_address_names_the_key()
    {
        var e = Assert.Throws<ArgumentException>(() => LiveDnsResolver.ParseServer("dns.example"));
        Assert.Contains("Verification:Dns:Servers", e.Message, StringComparison.Ordinal);
    }
}
