using BenchmarkDotNet.Attributes;
using MimeKit;
using SmarthostLab.Contracts;
using SmarthostLab.Verification;
using SmarthostLab.Verification.Dmarc;
using SmarthostLab.Verification.Psl;

namespace SmarthostLab.Bench.Verification;

/// <summary>
/// RFC 7489 on a parsed message with warm DNS: From-domain extraction (baseline), organizational
/// domain by the Public Suffix List, policy discovery, the pure evaluation, and all of them together.
/// </summary>
[MemoryDiagnoser]
public class DmarcBenchmarks
{
    private readonly VerificationFixture _fixture = VerificationFixture.Instance;
    private DmarcEvaluator _dmarc = null!;
    private MimeMessage _message = null!;
    private AuthorDomain _author = null!;
    private DmarcLookup _lookup = null!;
    private SpfVerdict _spf = null!;
    private IReadOnlyList<DkimVerdict> _dkim = null!;

    /// <summary>Parses the message and discovers the policy once, for the benchmarks that start later.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _dmarc = new DmarcEvaluator(_fixture.Dns, PublicSuffixList.Embedded, static () => 0);
        _message = VerificationFixture.Parse(_fixture.RsaSigned);
        _author = AuthorDomain.From(_message);
        _lookup = _dmarc.DiscoverAsync(VerificationFixture.Domain).GetAwaiter().GetResult();
        _spf = new SpfVerdict(SpfResult.Pass, VerificationFixture.Domain, "198.51.100.25", "mailfrom");
        _dkim = [new DkimVerdict(DkimResult.Pass, VerificationFixture.Domain, "rsa", "rsa-sha256")];
        var verdict = _dmarc.Evaluate(_author, _lookup, _spf, _dkim);
        if (verdict.Result != DmarcResult.Pass) throw new InvalidOperationException($"fixture is not a DMARC pass: {verdict}");
    }

    /// <summary>The RFC5322.From domain of the parsed message.</summary>
    [Benchmark(Baseline = true)]
    public AuthorDomain FromDomain() => AuthorDomain.From(_message);

    /// <summary>Organizational domain of a three-label name (Public Suffix List walk).</summary>
    [Benchmark]
    public string OrganizationalDomain() => _dmarc.OrganizationalDomain("mail.eu.contoso.test");

    /// <summary>Policy discovery: _dmarc TXT lookup and record parse.</summary>
    [Benchmark]
    public Task<DmarcLookup> Discover() => _dmarc.DiscoverAsync(VerificationFixture.Domain);

    /// <summary>Alignment and policy from known results (no I/O).</summary>
    [Benchmark]
    public DmarcVerdict Evaluate() => _dmarc.Evaluate(_author, _lookup, _spf, _dkim);

    /// <summary>From domain, discovery and evaluation together.</summary>
    [Benchmark]
    public Task<DmarcVerdict> EvaluateWithDiscovery() => _dmarc.EvaluateAsync(_message, _spf, _dkim);
}
