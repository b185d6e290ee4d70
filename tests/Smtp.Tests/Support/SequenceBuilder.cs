using System.Buffers;

namespace SmarthostLab.Smtp.Tests.Support;

/// <summary>Builds a multi-segment <see cref="ReadOnlySequence{T}"/> (empty segments included) to test split points.</summary>
public static class SequenceBuilder
{
    public static ReadOnlySequence<byte> Create(params byte[][] segments)
    {
        if (segments.Length == 1) return new ReadOnlySequence<byte>(segments[0]);
        var first = new Segment(segments[0], 0);
        var last = first;
        foreach (var s in segments.Skip(1)) last = last.Append(s);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
