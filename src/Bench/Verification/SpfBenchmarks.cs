using System.Net;
using BenchmarkDotNet.Attributes;
using SmarthostLab.Contracts;
using SmarthostLab.Verification;
using SmarthostLab.Verification.Dns;
using SmarthostLab.Verification.Spf;

namespace SmarthostLab.Bench.Verification;

/// <summary>
/// RFC 7208 check_host() on a warm cache: every DNS answer comes from memory, so the figures are the
/// evaluator's own cost. Baseline: the one TXT lookup that any SPF check starts with.
/// Not sealed: BenchmarkDotNet derives its runner from benchmark classes.
/// </summary>
[MemoryDiagnoser]
public class SpfBenchmarks
{
    private static readonly IPAddress Customer = IPAddress.Parse("192.0.2.10");
    private static readonly IPAddress Egress = IPAddress.Parse("198.51.100.25");
    private static readonly IPAddress Stranger = IPAddress.Parse("203.0.113.5");
    private readonly VerificationFixture _fixture = VerificationFixture.Instance;
    private SpfEvaluator _spf = null!;

    /// <summary>One evaluator for all iterations, as the relay holds one.</summary>
    [GlobalSetup]
    public void Setup() => _spf = new SpfEvaluator(_fixture.Dns);

    /// <summary>The TXT lookup alone.</summary>
    [Benchmark(Baseline = true)]
    public async Task<DnsAnswer> TxtLookup() => await _fixture.Dns.QueryAsync(VerificationFixture.Domain, DnsRecordType.TXT);

    /// <summary>Client IP matched by the first ip4 mechanism: pass after one lookup.</summary>
    [Benchmark]
    public Task<SpfVerdict> PassIp4() => _spf.CheckMailFromAsync(Customer, "sender@contoso.test", "mail.contoso.test");

    /// <summary>Egress address matched inside include: pass after two lookups (what DMARC uses).</summary>
    [Benchmark]
    public Task<SpfVerdict> PassInclude() => _spf.CheckMailFromAsync(Egress, "sender@contoso.test", "relay.smarthost.test");

    /// <summary>An address nothing covers: the whole record is walked to -all.</summary>
    [Benchmark]
    public Task<SpfVerdict> FailAll() => _spf.CheckMailFromAsync(Stranger, "sender@contoso.test", "mail.contoso.test");
}
