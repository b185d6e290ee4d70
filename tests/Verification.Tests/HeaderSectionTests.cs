using System.Diagnostics;
using System.Text;
using MimeKit;
using SmarthostLab.Verification.Tests.Support;

namespace SmarthostLab.Verification.Tests;

/// <summary>
/// The linear header-section parser against MimeKit's own (the oracle: same fields, same raw octets, same body
/// offset), at every way a stream may split its reads, at its size limit, and on the shapes without a section.
/// </summary>
public sealed class HeaderSectionTests
{
    public static TheoryData<string> Files() =>
    [
        "dkim/dkimpy/test.message", "dkim/dkimpy/test2.message", "dkim/dkimpy/test_extra.message", "dkim/dkimpy/test_nofrom.message",
        "dkim/dkimpy/rfc6376.msg", "dkim/dkimpy/rfc6376.signed.msg", "dkim/dkimpy/ed25519test.msg", "dkim/dkimpy/ed25519test2.msg",
        "dkim/mimekit/gmail.msg", "dkim/mimekit/multipart-no-end-boundary.msg", "dkim/mimekit/related.msg", "dkim/mimekit/rfc8463-example.msg",
        "dkim/rfc8463-appendix-a/signed.eml", "dmarc/blaze-realworld/001.mail", "dmarc/blaze-realworld/002.mail",
        "dmarc/blaze-realworld/003.mail", "dmarc/blaze-realworld/004.mail",
    ];

    public static TheoryData<string> Shapes() =>
    [
        "From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n",
        "From: a@example.com\nSubject: hi\n\nbody\n",
        "Subject : spaced before the colon\r\nX-Empty:\r\nX-Tab:\tvalue\r\n\r\n",
        "Subject: folded\r\n  over\r\n\tthree lines \r\nTo: b@example.com\r\n\r\nbody",
        "From: a@example.com\r\nnot a field\r\nX Bad: space in the name\r\nTo: b@example.com\r\n\r\nbody\r\n",
        "From: a@example.com\r\n:no name\r\nX-Last: no line end",
        "From: a@example.com\r\nSubject: a bare \r inside\r\n\r\n",
        "\r\nbody after an empty section\r\n",
        "From: a@example.com\r\nX-Ctl: \x01 value\r\nX\x01Name: v\r\n\r\nb",
        "From: a@example.com\r\n \r\n\r\nthe line of one space continues From\r\n",
        "From: a@example.com\r\n\r\n\r\n",
        "From : spaced, a field and not an mbox separator\r\nTo: b@example.com\r\n\r\n",
        ">From: a field named >From\r\n\r\n",
    ];

    [Theory]
    [MemberData(nameof(Files))]
    public void Test_messages_parse_as_MimeKit_parses_them(string file) =>
        AssertSameAsMimeKit(TestData.Bytes(file.Split('/')));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Unusual_shapes_parse_as_MimeKit_parses_them(string text) =>
        AssertSameAsMimeKit(Encoding.Latin1.GetBytes(text));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Reads_split_at_any_point_give_the_same_section(string text)
    {
        var bytes = Encoding.Latin1.GetBytes(text);
        var whole = HeaderSection.Parse(bytes);
        for (var cycle = 1; cycle <= 7; cycle++)
        {
            Assert.True(HeaderSection.TryRead(new TrickleStream(bytes, cycle), int.MaxValue, out var split));
            Assert.Equal(Describe(whole), Describe(split));
        }
    }

    [Theory]
    [InlineData("Body only, no header at all.\r\nSecond line.\r\n")]
    [InlineData("Dear Bob,\r\nFrom: a@example.com\r\n\r\nbody\r\n")]
    [InlineData("X Bad Header: a space in the name\r\nFrom: a@example.com\r\n\r\nbody\r\n")]
    [InlineData(" From: a@example.com\r\n\r\nbody\r\n")]
    public void A_first_line_that_is_not_a_field_means_no_header_section(string text)
    {
        var section = HeaderSection.Parse(Encoding.ASCII.GetBytes(text));

        Assert.False(section.IsPresent);
        Assert.Empty(section.Headers);
        Assert.Equal((0, 0), (section.Start, section.BodyOffset));
        Assert.Throws<FormatException>(() => new MimeParser(new MemoryStream(Encoding.ASCII.GetBytes(text)), MimeFormat.Entity).ParseHeaders());
    }

    [Fact]
    public void An_empty_message_has_no_header_section()
    {
        var section = HeaderSection.Parse([]);

        Assert.False(section.IsPresent);
        Assert.Equal((0, 0, 0), (section.Headers.Count, section.Start, section.BodyOffset));
    }

    [Fact]
    public void Leading_mbox_From_lines_are_skipped()
    {
        var bytes = "From sender@example.com Mon Jan  1 00:00:00 2024\r\n>From x\r\nFrom: a@example.com\r\n\r\nbody"u8.ToArray();

        var section = HeaderSection.Parse(bytes);

        Assert.Equal(["From"], section.Headers.Select(h => h.Field));
        Assert.Equal(bytes.Length - 4, section.BodyOffset);
        Assert.Equal(bytes.AsSpan().IndexOf("From:"u8), section.Start);
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\n")]
    public void The_limit_counts_the_octets_before_the_empty_line(string lineEnd)
    {
        var fields = $"From: a@example.com{lineEnd}Subject: 0123456789{lineEnd}";
        var bytes = Encoding.ASCII.GetBytes(fields + lineEnd + "body" + lineEnd);

        Assert.True(HeaderSection.TryRead(new MemoryStream(bytes), fields.Length, out var fits));
        Assert.False(HeaderSection.TryRead(new MemoryStream(bytes), fields.Length - 1, out _));
        Assert.Equal(2, fits.Headers.Count);
        Assert.Equal(fields.Length + lineEnd.Length, fits.BodyOffset);
    }

    [Fact]
    public void Without_an_empty_line_the_whole_message_counts()
    {
        var bytes = "From: a@example.com\r\nSubject: no body\r\n"u8.ToArray();

        Assert.True(HeaderSection.TryRead(new MemoryStream(bytes), bytes.Length, out var section));
        Assert.False(HeaderSection.TryRead(new MemoryStream(bytes), bytes.Length - 1, out _));
        Assert.Equal(bytes.Length, section.BodyOffset);
    }

    [Fact]
    public void A_message_without_a_section_passes_any_limit_and_is_read_no_further_than_its_first_line()
    {
        var body = Encoding.ASCII.GetBytes("Not a header line\r\n" + new string('x', 100_000));
        var stream = new CountingStream(body);

        Assert.True(HeaderSection.TryRead(stream, 1024, out var section));
        Assert.False(section.IsPresent);
        Assert.True(stream.OctetsRead < 8192, $"read {stream.OctetsRead} octets");
    }

    [Fact]
    public void A_section_over_the_limit_is_read_no_further_than_the_limit()
    {
        var bytes = Encoding.ASCII.GetBytes("X-Long: x\r\n" + string.Concat(Enumerable.Repeat(" folded line\r\n", 100_000)) + "\r\nbody\r\n");
        var stream = new CountingStream(bytes);

        Assert.False(HeaderSection.TryRead(stream, 64 * 1024, out _));
        Assert.True(stream.OctetsRead <= 64 * 1024 + 2, $"read {stream.OctetsRead} octets");
    }

    [Fact]
    public void One_field_folded_over_a_million_lines_parses_in_one_pass()
    {
        // MimeKit's parser copies such a field once per 64 octets it grows (40,000 lines took over a second, 240,000
        // lines 21 s); this one copies it once. The bound is generous: the parse takes well under a second.
        var text = new StringBuilder("From: a@example.com\r\nX-Long: start\r\n", 12_000_000);
        for (var i = 0; i < 1_000_000; i++) text.Append(" x\r\n");
        var bytes = Encoding.ASCII.GetBytes(text.Append("Subject: after\r\n\r\nbody\r\n").ToString());

        var clock = Stopwatch.StartNew();
        Assert.True(HeaderSection.TryRead(new MemoryStream(bytes), bytes.Length, out var section));
        clock.Stop();

        Assert.Equal(["From", "X-Long", "Subject"], section.Headers.Select(h => h.Field));
        Assert.Equal(4_000_000 + " start\r\n".Length, section.Headers[1].RawValue.Length);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    private static void AssertSameAsMimeKit(byte[] bytes)
    {
        var parser = new MimeParser(new MemoryStream(bytes), MimeFormat.Entity, persistent: true);
        var expected = parser.ParseHeaders();

        var section = HeaderSection.Parse(bytes);

        Assert.True(section.IsPresent);
        Assert.Equal(Describe(expected), Describe(section.Headers));
        Assert.Equal(parser.Position, section.BodyOffset);
    }

    private static string Describe(HeaderSection section) =>
        $"{section.IsPresent} {section.Start} {section.BodyOffset}\n{Describe(section.Headers)}";

    private static string Describe(IEnumerable<Header> headers) =>
        string.Join("\n", headers.Select(h => $"{h.Id} {h.Field} [{Convert.ToHexString(h.RawField)}] [{Convert.ToHexString(h.RawValue)}]"));

    /// <summary>A stream whose reads return 1 to <c>cycle</c> octets in turn.</summary>
    private sealed class TrickleStream(byte[] bytes, int cycle) : MemoryStream(bytes, writable: false)
    {
        private int _reads;

        public override int Read(byte[] buffer, int offset, int count) =>
            base.Read(buffer, offset, Math.Min(count, 1 + (_reads++ % cycle)));
    }

    /// <summary>A stream that counts the octets read from it.</summary>
    private sealed class CountingStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public long OctetsRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = base.Read(buffer, offset, count);
            OctetsRead += n;
            return n;
        }
    }
}
