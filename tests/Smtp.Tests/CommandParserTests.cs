using System.Buffers;
using System.Text;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Tests.Support;

namespace SmarthostLab.Smtp.Tests;

public sealed class CommandParserTests
{
    /// <summary>Parses one line; the error is set exactly when parsing failed.</summary>
    internal static (SmtpCommand Command, SmtpReply? Error) ParseOne(string line)
    {
        var ok = SmtpCommandParser.TryParse(Encoding.UTF8.GetBytes(line), out var command, out var error);
        Assert.Equal(ok, error is null);
        return (command, error);
    }

    [Theory]
    [InlineData("EHLO client.test", SmtpCommandKind.Ehlo, "client.test")]
    [InlineData("ehlo [192.0.2.1]", SmtpCommandKind.Ehlo, "[192.0.2.1]")]
    [InlineData("EHLO [IPv6:2001:db8::1]", SmtpCommandKind.Ehlo, "[IPv6:2001:db8::1]")]
    [InlineData("HELO mx", SmtpCommandKind.Helo, "mx")]
    [InlineData("MAIL FROM:<alice@contoso.test>", SmtpCommandKind.Mail, "alice@contoso.test")]
    [InlineData("mail from:<>", SmtpCommandKind.Mail, "")]
    [InlineData("MAIL FROM: <a@b.test>", SmtpCommandKind.Mail, "a@b.test")]
    [InlineData("MAIL FROM:<@relay.test,@x.test:user@d.test>", SmtpCommandKind.Mail, "user@d.test")]
    [InlineData("MAIL FROM:<\"john smith\"@example.com>", SmtpCommandKind.Mail, "\"john smith\"@example.com")]
    [InlineData("MAIL FROM:<a@[192.0.2.1]>", SmtpCommandKind.Mail, "a@[192.0.2.1]")]
    [InlineData("RCPT TO:<bob@example.com>", SmtpCommandKind.Rcpt, "bob@example.com")]
    [InlineData("RCPT TO:<Postmaster>", SmtpCommandKind.Rcpt, "Postmaster")]
    [InlineData("RCPT TO:<用户@例子.广告>", SmtpCommandKind.Rcpt, "用户@例子.广告")]
    [InlineData("DATA", SmtpCommandKind.Data, null)]
    [InlineData("RSET", SmtpCommandKind.Rset, null)]
    [InlineData("NOOP anything", SmtpCommandKind.Noop, null)]
    [InlineData("QUIT", SmtpCommandKind.Quit, null)]
    [InlineData("VRFY bob", SmtpCommandKind.Vrfy, null)]
    [InlineData("HELP", SmtpCommandKind.Help, null)]
    [InlineData("StartTLS", SmtpCommandKind.StartTls, null)]
    public void Valid_commands_parse_to_their_kind_and_argument(string line, SmtpCommandKind kind, string? argument)
    {
        var (command, error) = ParseOne(line);
        Assert.Null(error);
        Assert.Equal(kind, command.Kind);
        if (argument is not null) Assert.Equal(argument, command.Argument);
    }

    [Fact]
    public void Mail_parameters_are_upper_cased_with_values()
    {
        var (command, _) = ParseOne("MAIL FROM:<a@b.test> size=1234 BODY=8BITMIME SMTPUTF8");
        Assert.Equal([new("SIZE", "1234"), new("BODY", "8BITMIME"), new("SMTPUTF8", null)], command.Parameters);
    }

    [Theory]
    [InlineData("MAIL FROM:<a@b.test> RET=HDRS ENVID=QQ314159", "RET=HDRS ENVID=QQ314159")]
    [InlineData("MAIL FROM:<a@b.test> ret=full envid=a+2Bb+3Dc", "RET=full ENVID=a+2Bb+3Dc")]
    [InlineData("RCPT TO:<bob@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.com", "NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.com")]
    [InlineData("RCPT TO:<bob@example.com> orcpt=rfc822;a+3Db@x", "ORCPT=rfc822;a+3Db@x")]
    [InlineData("RCPT TO:<bob@example.com> ORCPT=rfc822;a+2Bb@x notify=never", "ORCPT=rfc822;a+2Bb@x NOTIFY=never")]
    [InlineData("RCPT TO:<josé@example.com> ORCPT=utf-8;josé@example.com", "ORCPT=utf-8;josé@example.com")]
    [InlineData("RCPT TO:<josé@example.com> ORCPT=utf-8;jos\\x{E9}@example.com", "ORCPT=utf-8;jos\\x{E9}@example.com")]
    public void Dsn_parameters_are_kept_whole_with_semicolons_escapes_and_UTF8(string line, string expected)
    {
        var (command, error) = ParseOne(line);
        Assert.Null(error);
        Assert.Equal(expected, EsmtpParameter.Join(command.Parameters));
    }

    [Theory]
    [InlineData("RCPT TO:<bob@example.com> ORCPT=rfc822;a=b@x")] // esmtp-value holds no '=' (RFC 5321 4.1.2): xtext writes it +3D
    [InlineData("MAIL FROM:<a@b.test> ENVID=")]
    [InlineData("MAIL FROM:<a@b.test> ENVID==x")]
    public void A_raw_equals_sign_or_empty_value_is_a_syntax_error(string line) =>
        Assert.StartsWith("501 5.5.4", ParseOne(line).Error!.ToString());

    [Fact]
    public void A_parameter_value_that_is_not_UTF8_is_a_syntax_error()
    {
        byte[] line = [.. "RCPT TO:<b@b.test> ORCPT=utf-8;a"u8, 0xC3, 0x28, .. "@x"u8];
        Assert.False(SmtpCommandParser.TryParse(line, out _, out var error));
        Assert.Same(SmtpReplies.SyntaxError, error);
    }

    [Theory]
    [InlineData("BDAT 1000", 1000, false)]
    [InlineData("BDAT 0 LAST", 0, true)]
    [InlineData("bdat 42 last", 42, true)]
    public void Bdat_parses_size_and_last(string line, long size, bool last)
    {
        var (command, error) = ParseOne(line);
        Assert.Null(error);
        Assert.Equal(SmtpCommandKind.Bdat, command.Kind);
        Assert.Equal(size, command.ChunkSize);
        Assert.Equal(last, command.IsLast);
    }

    [Theory]
    [InlineData("FOO bar", "500 5.5.1")]
    [InlineData("MAILX FROM:<a@b>", "500 5.5.1")]
    [InlineData("EHLO", "501 5.5.4")]
    [InlineData("DATA now", "501 5.5.4")]
    [InlineData("BDAT", "501 5.5.4")]
    [InlineData("BDAT 12x", "501 5.5.4")]
    [InlineData("BDAT 10 FIRST", "501 5.5.4")]
    [InlineData("MAIL TO:<a@b.test>", "501 5.5.4")]
    [InlineData("MAIL FROM:a@b.test", "501 5.1.7")]
    [InlineData("MAIL FROM:<a@>", "501 5.1.7")]
    [InlineData("MAIL FROM:<a..b@c.test>", "501 5.1.7")]
    [InlineData("MAIL FROM:<a@-bad.test>", "501 5.1.7")]
    [InlineData("MAIL FROM:<a@b.test", "501 5.1.7")]
    [InlineData("MAIL FROM:<a@[300.1.1.1]>", "501 5.1.7")]
    [InlineData("RCPT TO:<bob>", "501 5.1.3")]
    [InlineData("RCPT TO:<bob@example.com> =x", "501 5.5.4")]
    [InlineData("VRFY", "501 5.5.4")]
    public void Bad_lines_get_the_syntax_reply(string line, string expected)
    {
        var (_, error) = ParseOne(line);
        Assert.NotNull(error);
        Assert.StartsWith(expected, error!.ToString());
    }

    [Fact]
    public void Non_ascii_mailbox_is_flagged()
    {
        Assert.True(ParseOne("MAIL FROM:<josé@example.com>").Command.IsNonAscii);
        Assert.False(ParseOne("MAIL FROM:<jose@example.com>").Command.IsNonAscii);
    }

    public static TheoryData<string> Batches => new()
    {
        "EHLO client.test\r\n",
        "MAIL FROM:<alice@contoso.test> SIZE=100 BODY=8BITMIME\r\n",
        "MAIL FROM:<a@a.test> RET=HDRS ENVID=QQ314159\r\nRCPT TO:<b@b.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a+3Db@x\r\n",
        "EHLO a.test\r\nMAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test>\r\nRCPT TO:<c@c.test>\r\nDATA\r\n",
        "NOOP\nRSET\r\nBDAT 0 LAST\r\nQUIT\r\n",
        "FOO\r\nRCPT TO:<bad>\r\nHELP\r\n",
    };

    /// <summary>Every split of the input into two segments yields the same commands as the whole.</summary>
    [Theory]
    [MemberData(nameof(Batches))]
    public void Every_split_point_yields_the_same_commands(string batch)
    {
        var bytes = Encoding.UTF8.GetBytes(batch);
        var expected = ParseAll([bytes]);
        Assert.NotEmpty(expected);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var actual = ParseAll([bytes[..split], bytes[split..]]);
            Assert.Equal(expected, actual);
        }
    }

    /// <summary>Feeding the batch as it arrives, split at every byte, in a streaming fashion (consumed/examined honoured).</summary>
    [Theory]
    [MemberData(nameof(Batches))]
    public void Streaming_one_byte_at_a_time_yields_the_same_commands(string batch)
    {
        var bytes = Encoding.UTF8.GetBytes(batch);
        var expected = ParseAll([bytes]);
        var reader = new SmtpCommandReader();
        var pending = new List<byte>();
        var actual = new List<string>();
        foreach (var b in bytes)
        {
            pending.Add(b);
            var sequence = new ReadOnlySequence<byte>(pending.ToArray());
            while (reader.TryParse(sequence, out var consumed, out var examined, out var command, out var error))
            {
                actual.Add(Describe(command, error));
                sequence = sequence.Slice(consumed);
            }
            pending = [.. sequence.ToArray()];
        }
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void A_512_octet_line_passes_and_513_is_refused_then_the_reader_resyncs()
    {
        var ok = "NOOP " + new string('x', 505) + "\r\n"; // 512 octets with CRLF
        var tooLong = "NOOP " + new string('x', 506) + "\r\n"; // 513
        Assert.Equal(512, ok.Length);
        var commands = ParseAll([Encoding.ASCII.GetBytes(ok + tooLong + "QUIT\r\n")]);
        Assert.Equal(["Noop", "error 500 5.5.2 Line too long (command lines are limited to 512 octets)", "Quit"], commands);
    }

    [Fact]
    public void A_huge_line_never_grows_the_buffer_and_is_answered_once_its_end_arrives()
    {
        var reader = new SmtpCommandReader();
        var chunk = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(new string('A', 4000)));
        for (var i = 0; i < 10; i++)
        {
            Assert.False(reader.TryParse(chunk, out var consumed, out _, out _, out _));
            Assert.Equal(chunk.End, consumed); // everything consumed: nothing kept
        }
        Assert.True(reader.TryParse(new ReadOnlySequence<byte>("AAAA\r\nNOOP\r\n"u8.ToArray()), out var c, out _, out _, out var error));
        Assert.Same(SmtpReplies.CommandLineTooLong, error);
    }

    private static List<string> ParseAll(byte[][] segments)
    {
        var sequence = SequenceBuilder.Create(segments);
        var reader = new SmtpCommandReader();
        var result = new List<string>();
        while (reader.TryParse(sequence, out var consumed, out _, out var command, out var error))
        {
            result.Add(Describe(command, error));
            sequence = sequence.Slice(consumed);
        }
        return result;
    }

    private static string Describe(SmtpCommand command, SmtpReply? error) =>
        error is not null ? "error " + error
        : command.Kind + (command.Argument is null ? "" : " " + command.Argument)
          + string.Concat(command.Parameters.Select(p => $" {p.Keyword}={p.Value}"))
          + (command.Kind == SmtpCommandKind.Bdat ? $" {command.ChunkSize} {command.IsLast}" : "");

    [Theory]
    [InlineData("EHLO")]
    [InlineData("HELO")]
    public void A_helo_name_that_is_not_utf8_gets_501_instead_of_a_changed_name(string verb)
    {
        // Found by fuzzing (fuzz/regressions/command): "EHLO ex\xE4mple.test" in Latin-1 was taken as a domain and its
        // name decoded to "ex\uFFFDmple.test"; a U-label is UTF-8 (RFC 6531 3.3).
        byte[] line = [.. Encoding.ASCII.GetBytes(verb + " ex"), 0xE4, .. Encoding.ASCII.GetBytes("mple.test")];
        Assert.False(SmtpCommandParser.TryParse(line, out _, out var error));
        Assert.Equal($"501 5.5.4 {verb} requires a domain name or address literal", error!.ToString());
        Assert.True(SmtpCommandParser.TryParse(Encoding.UTF8.GetBytes(verb + " exämple.test"), out var command, out _));
        Assert.Equal("exämple.test", command.Argument);
    }
}
