using System.Text;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Smtp.Tests;

public sealed class DataDecoderTests
{
    private static (bool Done, int Consumed, byte[] Content, SmtpDataDecoder Decoder) Run(string data, BareLineFeedPolicy policy = BareLineFeedPolicy.Reject, long max = 1 << 20, int split = -1)
    {
        var bytes = Encoding.ASCII.GetBytes(data);
        var decoder = new SmtpDataDecoder(policy);
        using var content = new MessageContent(max);
        var parts = split < 0 ? [bytes] : new[] { bytes[..split], bytes[split..] };
        var total = 0;
        foreach (var part in parts)
        {
            if (decoder.Decode(part, content, out var n))
                return (true, total + n, content.ToArray(), decoder);
            total += n;
        }
        return (false, total, content.ToArray(), decoder);
    }

    [Theory]
    [InlineData("Subject: x\r\n\r\nbody\r\n.\r\n", "Subject: x\r\n\r\nbody\r\n")]
    [InlineData(".\r\n", "")]
    [InlineData("..\r\n.\r\n", ".\r\n")]
    [InlineData("..leading\r\n...two\r\nmid.dle\r\n.\r\n", ".leading\r\n..two\r\nmid.dle\r\n")]
    [InlineData(".x\r\n.\r\n", "x\r\n")]
    public void Dot_unstuffing_gives_the_exact_bytes_at_every_split(string data, string expected)
    {
        for (var split = 0; split <= data.Length; split++)
        {
            var (done, consumed, content, decoder) = Run(data + "QUIT\r\n", split: split);
            Assert.True(done);
            Assert.Equal(data.Length, consumed);
            Assert.Equal(expected, Encoding.ASCII.GetString(content));
            Assert.False(decoder.Failed);
        }
    }

    [Theory]
    [InlineData("a\r\n\n.\nb\r\n.\r\n")]
    [InlineData("a\r\n\n.\r\nb\r\n.\r\n")]
    [InlineData("a\n.\r\nb\r\n.\r\n")]
    [InlineData("a\r\n.\nb\r\n.\r\n")]
    public void Only_crlf_dot_crlf_ends_data(string data)
    {
        var (done, consumed, content, decoder) = Run(data, BareLineFeedPolicy.Accept);
        Assert.True(done);
        Assert.Equal(data.Length, consumed);
        Assert.Contains("b\r\n", Encoding.ASCII.GetString(content));
        Assert.True(decoder.BareLineFeedSeen);
        Assert.False(decoder.Failed);
        Assert.True(Run(data, BareLineFeedPolicy.Reject).Decoder.Failed);
    }

    [Fact]
    public void Text_lines_are_limited_to_1000_octets_with_crlf()
    {
        var ok = new string('a', 998) + "\r\n.\r\n";
        var bad = new string('a', 999) + "\r\n.\r\n";
        Assert.False(Run(ok).Decoder.LineTooLong);
        for (var split = 995; split < 1003; split++)
        {
            var r = Run(bad, split: split);
            Assert.True(r.Done);
            Assert.True(r.Decoder.LineTooLong);
            Assert.Same(SmtpReplies.TextLineTooLong, r.Decoder.FailureReply);
        }
    }

    [Fact]
    public void Size_over_the_limit_fails_but_the_end_is_still_found()
    {
        var data = new string('a', 500) + "\r\n" + new string('b', 800) + "\r\n.\r\nNOOP\r\n";
        var r = Run(data, max: 1024);
        Assert.True(r.Done);
        Assert.Equal(data.Length - "NOOP\r\n".Length, r.Consumed);
        Assert.True(r.Decoder.SizeExceeded);
        Assert.Same(SmtpReplies.MessageTooBig, r.Decoder.FailureReply);
        Assert.Empty(r.Content);
    }

    [Fact]
    public void A_long_line_over_the_size_limit_gets_552_however_it_is_cut()
    {
        // Found by fuzzing (fuzz/regressions/data): decoded in one read the message was refused for its size (552),
        // cut into small reads the long line stopped the storing first and the size was never reached (500 5.5.2).
        var data = "Subject: x\r\n\r\n" + new string('x', 5000) + "\r\n.\r\n";
        for (var split = 0; split <= data.Length; split += 97)
        {
            var r = Run(data, max: 4096, split: split);
            Assert.True(r.Done);
            Assert.True(r.Decoder.LineTooLong);
            Assert.True(r.Decoder.SizeExceeded, $"split at {split}");
            Assert.Same(SmtpReplies.MessageTooBig, r.Decoder.FailureReply);
        }
    }
}
