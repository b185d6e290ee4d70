using BenchmarkDotNet.Attributes;
using MimeKit;
using SmarthostLab.Bench.Load;
using SmarthostLab.Relay.Session;
using SmarthostLab.Relay.Storage;

namespace SmarthostLab.Bench.Store;

/// <summary>
/// The token search of issue 16: what a stored message pays for the token index (its signature, made on the
/// session's thread), what a token lookup over a full store's index costs, and what an open wait costs a commit
/// per new message (its signature test, and the substring test that follows when that passes). Baseline: parsing
/// the header block into the header text the store keeps, which every message pays already.
/// </summary>
[MemoryDiagnoser]
public class TokenIndexBenchmarks
{
    private const int StoreSize = 100_000;
    private HeaderSummary _headers = null!;
    private byte[] _raw = [];
    private TokenIndex _index = null!;
    private ulong[] _signature = [];
    private ulong[] _query = [];

    private const string AbsentToken = "shl-8d2f0a6b9c1e4f7a3b5d";

    /// <summary>The signed 1 KB bench message's header text, and an index of 100,000 such messages with distinct sequence numbers.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _raw = BenchMessage.Create(1024, "contoso.test", signed: true).Raw;
        _headers = Parse();
        _signature = Signature();
        _query = TokenSignature.QueryOf(AbsentToken)!;
        _index = new TokenIndex(StoreSize).ForLoading(floor: 0);
        var seqHeader = _headers.Text[.._headers.Text.IndexOf('\n')];
        for (var seq = 1; seq <= StoreSize; seq++)
        {
            var text = _headers.Text.Replace(seqHeader, $"X-Bench-Seq: {seq:D12}", StringComparison.Ordinal);
            _index.Add(seq, TokenSignature.Of(_headers.Subject, _headers.MessageId, text));
        }
    }

    /// <summary>The header text of a message: what the store keeps for the token search.</summary>
    [Benchmark(Baseline = true)]
    public HeaderSummary ParseHeaders() => Parse();

    /// <summary>Its signature in the token index.</summary>
    [Benchmark]
    public ulong[] Signature() => TokenSignature.Of(_headers.Subject, _headers.MessageId, _headers.Text);

    /// <summary>A probe token no message carries, looked up in the index of a full store (100,000 messages).</summary>
    [Benchmark]
    public int FindAbsentProbeToken() => _index.Find(AbsentToken)?.Seqs.Count ?? -1;

    /// <summary>One open wait's test of one new message that lacks its token: the token's bits in the message's signature.</summary>
    [Benchmark]
    public bool WaiterTest() => TokenSignature.MayContain(_signature, _query);

    /// <summary>The substring test that follows when the bits are all there (what each wait paid before the signature test).</summary>
    [Benchmark]
    public bool WaiterSubstringTest() => _headers.Text.Contains(AbsentToken, StringComparison.OrdinalIgnoreCase);

    private HeaderSummary Parse()
    {
        using var stream = new MemoryStream(_raw);
        return HeaderSummary.Of([.. HeaderList.Load(ParserOptions.Default, stream)]);
    }
}
