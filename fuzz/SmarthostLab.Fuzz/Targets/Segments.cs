using System.Buffers;

namespace SmarthostLab.Fuzz.Targets;

/// <summary>Builds multi-segment sequences, as a pipe hands over data that arrived in several reads.</summary>
internal static class Segments
{
    /// <summary><paramref name="data"/> as a sequence of segments of <paramref name="size"/> octets (the last may be shorter).</summary>
    public static ReadOnlySequence<byte> Of(ReadOnlyMemory<byte> data, int size)
    {
        if (data.Length <= size) return new ReadOnlySequence<byte>(data);
        Segment? first = null, last = null;
        for (var at = 0; at < data.Length; at += size)
        {
            var piece = data.Slice(at, Math.Min(size, data.Length - at));
            last = last is null ? first = new Segment(piece, 0) : last.Append(piece);
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    /// <summary>Cuts <paramref name="data"/> into pieces whose sizes cycle through 1..<paramref name="max"/> starting at <paramref name="seed"/>.</summary>
    public static List<ReadOnlyMemory<byte>> Cut(ReadOnlyMemory<byte> data, int seed, int max)
    {
        var pieces = new List<ReadOnlyMemory<byte>>();
        var size = seed % max;
        for (var at = 0; at < data.Length;)
        {
            var n = Math.Min(1 + size, data.Length - at);
            pieces.Add(data.Slice(at, n));
            at += n;
            size = (size * 7 + 3) % max;
        }
        return pieces;
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
