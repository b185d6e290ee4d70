using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Bench.Smtp;

/// <summary>
/// BDAT framing (RFC 3030 2): parse <c>BDAT n LAST</c>, then take exactly n raw octets from a
/// 4 KB-segmented sequence into the message buffer. Baseline: taking the octets without the command,
/// so the ratio is the framing's own cost; compare with <see cref="DotUnstuffingBenchmarks"/> for DATA.
/// </summary>
[MemoryDiagnoser]
public class BdatFramingBenchmarks
{
    private ReadOnlySequence<byte> _wire;
    private long _chunk;
    private MessageContent _content = null!;

    /// <summary>Chunk size in octets.</summary>
    [Params(1024, 32 * 1024)]
    public int Size { get; set; }

    /// <summary>Builds "BDAT n LAST\r\n" followed by n octets, split as a pipe would deliver them.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var body = new byte[Size];
        for (var i = 0; i < body.Length; i++) body[i] = (byte)(i % 78 == 77 ? '\n' : i % 78 == 76 ? '\r' : 'a' + (i % 26));
        var wire = Encoding.ASCII.GetBytes($"BDAT {Size} LAST\r\n").Concat(body).ToArray();
        _wire = SequenceSegment.Split(wire, 4096);
        _chunk = Size;
        _content = new MessageContent(64L * 1024 * 1024);
    }

    /// <summary>Releases the buffer.</summary>
    [GlobalCleanup]
    public void Cleanup() => _content.Dispose();

    /// <summary>Append the chunk's octets only.</summary>
    [Benchmark(Baseline = true)]
    public long AppendChunk()
    {
        _content.Clear();
        _content.TryAppend(_wire.Slice(_wire.Length - _chunk));
        return _content.Length;
    }

    /// <summary>Frame the command line, parse it, append the chunk it announces.</summary>
    [Benchmark]
    public long FrameAndAppend()
    {
        _content.Clear();
        var reader = new SequenceReader<byte>(_wire);
        var commands = new SmtpCommandReader();
        if (!commands.TryParse(ref reader, out var command, out var error, out _) || error is not null) return -1;
        _content.TryAppend(reader.UnreadSequence.Slice(0, command.ChunkSize));
        return _content.Length;
    }
}
