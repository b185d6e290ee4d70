using System.Buffers;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Smtp.Tests;

/// <summary>The pooled message buffer hands its bytes on without a copy: as a sequence and as a stream.</summary>
public sealed class MessageContentTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(64 * 1024)]
    [InlineData(64 * 1024 + 1)]
    [InlineData(200_000)]
    public void Sequence_and_stream_hold_exactly_the_appended_bytes(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        using var content = new MessageContent(1_000_000);
        // Appended in odd-sized pieces so segment boundaries fall inside pieces.
        for (var at = 0; at < length; at += 7919) Assert.True(content.TryAppend(bytes.AsSpan(at, Math.Min(7919, length - at))));

        var sequence = content.ToSequence();
        Assert.Equal(length, sequence.Length);
        Assert.Equal(bytes, sequence.ToArray());

        using var stream = content.OpenRead();
        var copy = new MemoryStream();
        stream.CopyTo(copy);
        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public void Appending_past_the_maximum_is_refused_and_keeps_the_content()
    {
        using var content = new MessageContent(10);
        Assert.True(content.TryAppend("12345"u8));
        Assert.False(content.TryAppend("123456"u8));
        Assert.Equal("12345"u8.ToArray(), content.ToSequence().ToArray());
    }
}
