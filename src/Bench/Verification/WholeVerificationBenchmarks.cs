using System.Net;
using BenchmarkDotNet.Attributes;
using SmarthostLab.Contracts;
using SmarthostLab.Verification;
using SmarthostLab.Verification.Dns;

namespace SmarthostLab.Bench.Verification;

/// <summary>
/// What the relay runs for every message: <see cref="MessageVerifier"/> with its SPF checks (egress,
/// client IP, HELO) started as at MAIL FROM, then DKIM, DMARC and the Authentication-Results header for
/// the 4 KB message, DNS answered from a warm cache over the lab zone. Baseline: the unsigned message
/// (no DKIM work), so the ratios are the cost of verifying one signature of each kind.
/// </summary>
[MemoryDiagnoser]
public class WholeVerificationBenchmarks
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.10");
    private readonly VerificationFixture _fixture = VerificationFixture.Instance;
    private MessageVerifier _verifier = null!;

    /// <summary>One verifier and one cache, as the relay holds them; warmed by one run of each case.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var options = new VerificationOptions { EgressAddresses = ["198.51.100.25"], AuthServId = "relay.smarthost.test" };
        _verifier = new MessageVerifier(new CachingDnsResolver(_fixture.Dns), options, dmarcSample: static () => 0);
        var result = VerifyAsync(_fixture.RsaSigned).GetAwaiter().GetResult();
        if (result.Dmarc.Result != DmarcResult.Pass || result.Dkim[0].Result != DkimResult.Pass)
            throw new InvalidOperationException($"fixture does not pass: {result.AuthenticationResults}");
        VerifyAsync(_fixture.EdSigned).GetAwaiter().GetResult();
        VerifyAsync(_fixture.Unsigned).GetAwaiter().GetResult();
    }

    /// <summary>SPF ×3 and DMARC (aligned SPF pass), no signature.</summary>
    [Benchmark(Baseline = true)]
    public Task<VerificationResult> Unsigned() => VerifyAsync(_fixture.Unsigned);

    /// <summary>The same plus one rsa-sha256 (RSA-2048) signature.</summary>
    [Benchmark]
    public Task<VerificationResult> SignedRsaSha256() => VerifyAsync(_fixture.RsaSigned);

    /// <summary>The same plus one ed25519-sha256 signature.</summary>
    [Benchmark]
    public Task<VerificationResult> SignedEd25519Sha256() => VerifyAsync(_fixture.EdSigned);

    /// <summary>
    /// The rsa-sha256 message as the relay verifies it: read through a seekable stream (the session's pooled
    /// buffer in the relay), parsed once, body not copied.
    /// </summary>
    [Benchmark]
    public async Task<VerificationResult> SignedRsaSha256FromStream()
    {
        using var stream = new MemoryStream(_fixture.RsaSigned, writable: false);
        var spf = _verifier.StartSpf(Client, "mail.contoso.test", "sender@contoso.test");
        return await _verifier.VerifyAsync(stream, spf).ConfigureAwait(false);
    }

    private Task<VerificationResult> VerifyAsync(byte[] message)
    {
        var spf = _verifier.StartSpf(Client, "mail.contoso.test", "sender@contoso.test");
        return _verifier.VerifyAsync(message, spf);
    }
}
