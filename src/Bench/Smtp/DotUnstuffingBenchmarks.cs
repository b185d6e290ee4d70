using BenchmarkDotNet.Attributes;
using SmarthostLab.Bench.Load;
using SmarthostLab.Smtp;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Bench.Smtp;

/// <summary>
/// The DATA decoder (RFC 5321 4.5.2): end-of-data search, dot-unstuffing, line-length and bare-LF checks,
/// appending to the pooled message buffer, fed in 4 KB reads. Baseline: appending the same octets to the
/// buffer without decoding, so the ratio is the decoder's own cost.
/// </summary>
[MemoryDiagnoser]
public class DotUnstuffingBenchmarks
{
    private byte[] _stuffed = [];
    private MessageContent _content = null!;

    /// <summary>Message size in octets.</summary>
    [Params(1024, 32 * 1024)]
    public int Size { get; set; }

    /// <summary>Makes the bench's message (76-octet lines, every 16th dot-stuffed) with its terminator.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _stuffed = BenchMessage.Create(Size, "contoso.test", signed: false).DataPayload;
        _content = new MessageContent(64L * 1024 * 1024);
    }

    /// <summary>Releases the buffer.</summary>
    [GlobalCleanup]
    public void Cleanup() => _content.Dispose();

    /// <summary>Plain copy into the message buffer.</summary>
    [Benchmark(Baseline = true)]
    public long Copy()
    {
        _content.Clear();
        for (var at = 0; at < _stuffed.Length; at += 4096)
            _content.TryAppend(_stuffed.AsSpan(at, Math.Min(4096, _stuffed.Length - at)));
        return _content.Length;
    }

    /// <summary>Decode to the end-of-data marker.</summary>
    [Benchmark]
    public long Decode()
    {
        _content.Clear();
        var decoder = new SmtpDataDecoder(BareLineFeedPolicy.Reject);
        for (var at = 0; at < _stuffed.Length; at += 4096)
        {
            if (decoder.Decode(_stuffed.AsSpan(at, Math.Min(4096, _stuffed.Length - at)), _content, out _)) break;
        }
        return _content.Length;
    }
}
