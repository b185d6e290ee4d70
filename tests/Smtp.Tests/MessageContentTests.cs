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

    [Theory]
    [InlineData(64 * 1024)]
    [InlineData(64 * 1024 + 1)]
    [InlineData(3 * 64 * 1024)]
    [InlineData(1_000_003)]
    public void Past_the_memory_limit_the_content_goes_to_a_spool_file_and_reads_back_exactly(int length)
    {
        using var folder = new SmarthostLab.Tests.Support.TempFolder();
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        using var content = new MessageContent(2_000_000, memoryLimit: 64 * 1024, folder.Path);
        for (var at = 0; at < length; at += 7919) Assert.True(content.TryAppend(bytes.AsSpan(at, Math.Min(7919, length - at))));

        Assert.Equal(length > 64 * 1024, content.IsSpooled);
        Assert.Equal(length, content.Length);
        Assert.Equal(bytes, content.ToArray());
        using (var stream = content.OpenRead())
        {
            // Reads across the memory, file and staging parts, and seeks into each.
            stream.Position = length / 2;
            var half = new byte[length - length / 2];
            stream.ReadExactly(half);
            Assert.Equal(bytes[(length / 2)..], half);
        }
        if (content.IsSpooled)
        {
            Assert.Throws<InvalidOperationException>(() => content.ToSequence());
            Assert.Empty(Directory.GetFiles(folder.Path)); // the open file has no name: nothing is left after a crash
        }

        content.Clear();
        Assert.False(content.IsSpooled);
        Assert.True(content.TryAppend("again"u8));
        Assert.Equal("again"u8.ToArray(), content.ToSequence().ToArray());
    }

    [Fact]
    public void A_spool_folder_that_cannot_be_made_drops_the_octets_and_says_why()
    {
        using var folder = new SmarthostLab.Tests.Support.TempFolder();
        var file = Path.Combine(folder.Path, "not-a-folder");
        File.WriteAllText(file, "x");
        using var content = new MessageContent(1_000_000, memoryLimit: 0, Path.Combine(file, "spool"));

        Assert.True(content.TryAppend(new byte[200_000]));

        Assert.NotNull(content.SpoolFailure);
        Assert.Equal(64 * 1024, content.Length);
        content.Clear();
        Assert.Null(content.SpoolFailure);
    }
}
