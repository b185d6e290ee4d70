using System.Text;
using SmarthostLab.Smtp.Client;

namespace SmarthostLab.Smtp.Tests.Client;

/// <summary>The pure parts of the client: reply lines, enhanced codes, EHLO keywords, dot-stuffing, command checks.</summary>
public sealed class SmtpClientProtocolTests
{
    [Theory]
    [InlineData("250 2.0.0 Ok", 250, true, "2.0.0 Ok")]
    [InlineData("250-PIPELINING", 250, false, "PIPELINING")]
    [InlineData("354", 354, true, "")]
    [InlineData("550 ", 550, true, "")]
    public void A_reply_line_gives_its_code_and_text(string line, int code, bool last, string text)
    {
        Assert.True(SmtpClientReplyParser.TryParseLine(Encoding.ASCII.GetBytes(line), out var parsed, out var isLast, out var rest));
        Assert.Equal(code, parsed);
        Assert.Equal(last, isLast);
        Assert.Equal(text, Encoding.ASCII.GetString(rest));
    }

    [Theory]
    [InlineData("")]
    [InlineData("25")]
    [InlineData("2500 x")]
    [InlineData("abc def")]
    [InlineData("150 old")]
    [InlineData("650 no")]
    [InlineData("250_x")]
    public void A_line_that_is_not_a_reply_is_refused(string line) =>
        Assert.False(SmtpClientReplyParser.TryParseLine(Encoding.ASCII.GetBytes(line), out _, out _, out _));

    [Theory]
    [InlineData(550, "5.1.1 user unknown", "5.1.1")]
    [InlineData(250, "2.0.0", "2.0.0")]
    [InlineData(452, "4.5.300 too many", "4.5.300")]
    [InlineData(550, "4.1.1 wrong class", null)]
    [InlineData(550, "5.1.1234 too long", null)]
    [InlineData(550, "5.1 short", null)]
    [InlineData(550, "5.1.1x glued", null)]
    [InlineData(250, "mx.example.com", null)]
    public void The_enhanced_code_is_taken_only_when_its_class_matches(int code, string text, string? expected) =>
        Assert.Equal(expected, SmtpClientReplyParser.EnhancedCode(code, text));

    [Fact]
    public void A_reply_prints_its_code_and_every_line()
    {
        Assert.Equal("550 5.1.1 user unknown", new SmtpClientReply(550, "5.1.1", ["5.1.1 user unknown"]).ToString());
        Assert.Equal("250 mx.test PIPELINING SIZE 10", new SmtpClientReply(250, null, ["mx.test", "PIPELINING", "SIZE 10"]).ToString());
        Assert.Equal("354", new SmtpClientReply(354, null, [""]).ToString());
    }

    [Fact]
    public void EHLO_keywords_are_read_without_regard_to_case_and_unknown_ones_ignored()
    {
        var capabilities = SmtpClientCapabilityParser.Parse(
            ["mx.test says hi", "pipelining", "Size 35882577", "8BITMIME", "BINARYMIME", "CHUNKING", "SMTPUTF8", "DSN", "ENHANCEDSTATUSCODES", "STARTTLS", "AUTH PLAIN", "X-FOO"],
            out var maxSize);
        Assert.Equal((SmtpClientCapabilities)511, capabilities);
        Assert.Equal(35882577, maxSize);
    }

    [Theory]
    [InlineData("SIZE")]
    [InlineData("SIZE 0")]
    [InlineData("SIZE lots")]
    public void SIZE_without_a_positive_number_means_no_fixed_limit(string line)
    {
        Assert.Equal(SmtpClientCapabilities.Size, SmtpClientCapabilityParser.Parse(["mx.test", line], out var maxSize));
        Assert.Null(maxSize);
    }

    [Theory]
    [InlineData("", ".\r\n")]
    [InlineData("a\r\n", "a\r\n.\r\n")]
    [InlineData("a", "a\r\n.\r\n")]
    [InlineData(".", "..\r\n.\r\n")]
    [InlineData(".\r\n", "..\r\n.\r\n")]
    [InlineData("x\r\n.\r\n..y\r\nz.\r\n", "x\r\n..\r\n...y\r\nz.\r\n.\r\n")]
    [InlineData("bare\n.lf", "bare\n..lf\r\n.\r\n")]
    [InlineData("cr\r.not a line start\r\n", "cr\r.not a line start\r\n.\r\n")]
    public void Dot_stuffing_doubles_leading_dots_and_ends_the_data_at_every_split(string content, string expected)
    {
        var input = Encoding.ASCII.GetBytes(content);
        for (var split = 0; split <= input.Length; split++)
        {
            for (var room = 2; room <= input.Length * 2 + 2; room++)
                Assert.Equal(expected, Stuff(input, split, room));
        }
    }

    [Theory]
    [InlineData("a@b.test\r\nRSET")]
    [InlineData("a@b.test\n")]
    [InlineData("a\0@b.test")]
    public void An_address_that_would_break_its_line_is_refused(string address)
    {
        var transaction = ClientScenario.Message("x", address);
        Assert.Throws<ArgumentException>(() => SmtpClientCommands.Validate(transaction));
        Assert.Throws<ArgumentException>(() => SmtpClientCommands.Validate(transaction with { MailFrom = address, Recipients = [new("ok@b.test", [])] }));
    }

    [Theory]
    [InlineData("")]
    [InlineData("SIZE=1 BODY=8BITMIME")]
    [InlineData("ENVID=a\r\n")]
    public void A_parameter_that_would_break_its_line_is_refused(string parameter)
    {
        var transaction = ClientScenario.Message("x", "b@b.test");
        Assert.Throws<ArgumentException>(() => SmtpClientCommands.Validate(transaction with { MailParameters = [parameter] }));
        Assert.Throws<ArgumentException>(() => SmtpClientCommands.Validate(transaction with { Recipients = [new("b@b.test", [parameter])] }));
    }

    [Fact]
    public void A_transaction_without_recipients_is_refused() =>
        Assert.Throws<ArgumentException>(() => SmtpClientCommands.Validate(ClientScenario.Message("x")));

    /// <summary>Stuffs <paramref name="input"/> fed in two parts split at <paramref name="split"/>, with <paramref name="room"/> octets of output at a time.</summary>
    private static string Stuff(byte[] input, int split, int room)
    {
        var stuffer = new DotStuffer();
        var output = new List<byte>();
        var buffer = new byte[room];
        foreach (var part in new[] { input.AsMemory(0, split), input.AsMemory(split) })
        {
            for (var offset = 0; offset < part.Length;)
            {
                stuffer.Stuff(part.Span[offset..], buffer, out var consumed, out var written);
                Assert.True(consumed > 0);
                output.AddRange(buffer.AsSpan(0, written));
                offset += consumed;
            }
        }
        output.AddRange(stuffer.Terminator);
        return Encoding.ASCII.GetString([.. output]);
    }
}
