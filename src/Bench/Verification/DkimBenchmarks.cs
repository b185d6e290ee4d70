using BenchmarkDotNet.Attributes;
using MimeKit;
using SmarthostLab.Contracts;
using SmarthostLab.Verification;
using SmarthostLab.Verification.Dkim;

namespace SmarthostLab.Bench.Verification;

/// <summary>
/// RFC 6376 / RFC 8463 verification of a 4 KB message with one signature, keys from a warm
/// resolver; and signing, which the relay does for accounts with a key. Baseline: the MimeKit parse
/// every verification starts with.
/// </summary>
[MemoryDiagnoser]
public class DkimBenchmarks
{
    private readonly VerificationFixture _fixture = VerificationFixture.Instance;
    private DkimSignatureVerifier _verifier = null!;
    private DkimMessageSigner _rsaSigner = null!;
    private DkimMessageSigner _edSigner = null!;

    /// <summary>One verifier (and its key cache) for all iterations, as the relay holds one.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _verifier = new DkimSignatureVerifier(_fixture.Dns);
        _rsaSigner = new DkimMessageSigner(_fixture.RsaKey);
        _edSigner = new DkimMessageSigner(_fixture.EdKey);
        var rsa = _verifier.VerifyAsync(_fixture.RsaSigned).GetAwaiter().GetResult();
        var ed = _verifier.VerifyAsync(_fixture.EdSigned).GetAwaiter().GetResult();
        if (rsa[0].Result != DkimResult.Pass || ed[0].Result != DkimResult.Pass)
            throw new InvalidOperationException($"fixture does not verify: rsa {rsa[0].Result} {rsa[0].Reason}, ed25519 {ed[0].Result} {ed[0].Reason}");
    }

    /// <summary>Parsing the signed message.</summary>
    [Benchmark(Baseline = true)]
    public MimeMessage Parse() => VerificationFixture.Parse(_fixture.RsaSigned);

    /// <summary>Parse and verify rsa-sha256 (RSA-2048).</summary>
    [Benchmark]
    public Task<IReadOnlyList<DkimVerdict>> VerifyRsaSha256() => _verifier.VerifyAsync(_fixture.RsaSigned);

    /// <summary>Parse and verify ed25519-sha256.</summary>
    [Benchmark]
    public Task<IReadOnlyList<DkimVerdict>> VerifyEd25519Sha256() => _verifier.VerifyAsync(_fixture.EdSigned);

    /// <summary>Parse and sign rsa-sha256, relaxed/relaxed.</summary>
    [Benchmark]
    public string SignRsaSha256() => _rsaSigner.Sign(_fixture.Unsigned);

    /// <summary>Parse and sign ed25519-sha256, relaxed/relaxed.</summary>
    [Benchmark]
    public string SignEd25519Sha256() => _edSigner.Sign(_fixture.Unsigned);
}
