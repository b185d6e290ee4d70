using System.Buffers;

namespace SmarthostLab.Bench.Smtp;

/// <summary>Builds multi-segment <see cref="ReadOnlySequence{T}"/>s, as a pipe hands them to a parser.</summary>
internal sealed class SequenceSegment : ReadOnlySequenceSegment<byte>
{
    private SequenceSegment(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    /// <summary>Splits <paramref name="data"/> into segments of <paramref name="segmentSize"/> octets.</summary>
    public static ReadOnlySequence<byte> Split(ReadOnlyMemory<byte> data, int segmentSize)
    {
        if (data.Length <= segmentSize) return new ReadOnlySequence<byte>(data);
        var first = new SequenceSegment(data[..segmentSize], 0);
        var last = first;
        for (var at = segmentSize; at < data.Length; at += segmentSize)
        {
            var next = new SequenceSegment(data[at..Math.Min(data.Length, at + segmentSize)], at);
            last.Next = next;
            last = next;
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
