using System.Buffers;
using SmarthostLab.Smtp.Tests.Support;

namespace SmarthostLab.Fuzz.Targets;

/// <summary>Builds multi-segment sequences (with the SMTP tests' <see cref="SequenceBuilder"/>), as a pipe hands over data that arrived in several reads.</summary>
internal static class Segments
{
    /// <summary><paramref name="data"/> as a sequence of segments of <paramref name="size"/> octets (the last may be shorter).</summary>
    public static ReadOnlySequence<byte> Of(ReadOnlyMemory<byte> data, int size)
    {
        if (data.Length <= size) return new ReadOnlySequence<byte>(data);
        var pieces = new List<byte[]>();
        for (var at = 0; at < data.Length; at += size) pieces.Add(data.Slice(at, Math.Min(size, data.Length - at)).ToArray());
        return SequenceBuilder.Create([.. pieces]);
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
}
