using System.Buffers;
using System.Text;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Tests.Support;

namespace SmarthostLab.Smtp.Tests;

/// <summary>The pure AUTH pieces: the AUTH command's grammar (RFC 4954 4), base64 and PLAIN (RFC 4616), response framing.</summary>
public sealed class AuthProtocolTests
{
    private static (SmtpCommand Command, SmtpReply? Error) Parse(string line) => CommandParserTests.ParseOne(line);

    [Theory]
    [InlineData("AUTH PLAIN", "PLAIN", null)]
    [InlineData("auth plain AGFsaWNlAHMzY3JldCE=", "PLAIN", "AGFsaWNlAHMzY3JldCE=")]
    [InlineData("AUTH LOGIN =", "LOGIN", "=")]
    [InlineData("AUTH cram-md5", "CRAM-MD5", null)]
    [InlineData("AUTH  X_Y-1   abc", "X_Y-1", "abc")]
    public void AUTH_parses_its_mechanism_upper_cased_and_the_initial_response_as_sent(string line, string mechanism, string? initial)
    {
        var (command, error) = Parse(line);
        Assert.Null(error);
        Assert.Equal(SmtpCommandKind.Auth, command.Kind);
        Assert.Equal(mechanism, command.Argument);
        Assert.Equal(initial, command.InitialResponse);
    }

    [Theory]
    [InlineData("AUTH")]
    [InlineData("AUTH PL@IN")]
    [InlineData("AUTH ABCDEFGHIJKLMNOPQRSTU")]
    [InlineData("AUTH PLAIN a b")]
    [InlineData("AUTH PLAIN caf\u00e9")]
    public void Malformed_AUTH_lines_are_501_5_5_4(string line)
    {
        var (command, error) = Parse(line);
        Assert.Equal(SmtpCommandKind.Auth, command.Kind);
        Assert.Equal(SmtpReplies.SyntaxError, error);
    }

    [Fact]
    public void AUTH_is_legal_only_outside_a_transaction_after_the_greeting_exchange()
    {
        Assert.False(SmtpStateTable.IsAllowed(SmtpState.Greeted, SmtpCommandKind.Auth));
        Assert.True(SmtpStateTable.IsAllowed(SmtpState.Ready, SmtpCommandKind.Auth));
        Assert.False(SmtpStateTable.IsAllowed(SmtpState.MailGiven, SmtpCommandKind.Auth));
        Assert.False(SmtpStateTable.IsAllowed(SmtpState.RecipientGiven, SmtpCommandKind.Auth));
        Assert.False(SmtpStateTable.IsAllowed(SmtpState.Chunking, SmtpCommandKind.Auth));
        Assert.False(SmtpStateTable.IsAllowed(SmtpState.Refused, SmtpCommandKind.Auth));
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("=", "")]
    [InlineData("YWxpY2U=", "alice")]
    [InlineData("cDRzcw==", "p4ss")]
    public void Base64_responses_decode(string response, string expected)
    {
        Assert.True(Sasl.TryDecode(response, out var decoded));
        Assert.Equal(expected, Encoding.UTF8.GetString(decoded));
    }

    [Theory]
    [InlineData("YWxpY2U")]
    [InlineData("YWxp Y2U=")]
    [InlineData("YWxp\tY2U=")]
    [InlineData("YW=xpY2U")]
    [InlineData("*")]
    [InlineData("==")]
    public void Responses_that_are_not_strict_base64_do_not_decode(string response) => Assert.False(Sasl.TryDecode(response, out _));

    [Theory]
    [InlineData("\0alice\0s3cret!", "", "alice", "s3cret!")]
    [InlineData("admin\0alice\0pass word", "admin", "alice", "pass word")]
    [InlineData("\0jos\u00e9\0\u00fcber", "", "jos\u00e9", "\u00fcber")]
    public void PLAIN_messages_split_into_authzid_user_and_password(string message, string authzid, string user, string password)
    {
        Assert.True(Sasl.TryParsePlain(Encoding.UTF8.GetBytes(message), out var a, out var u, out var p));
        Assert.Equal((authzid, user, password), (a, u, p));
    }

    [Theory]
    [InlineData("alice\0s3cret!")]
    [InlineData("\0\0s3cret!")]
    [InlineData("\0alice\0")]
    [InlineData("\0alice\0pass\0word")]
    [InlineData("")]
    public void Malformed_PLAIN_messages_are_refused(string message) =>
        Assert.False(Sasl.TryParsePlain(Encoding.UTF8.GetBytes(message), out _, out _, out _));

    [Fact]
    public void Invalid_UTF_8_in_a_PLAIN_message_is_refused() =>
        Assert.False(Sasl.TryParsePlain([0, (byte)'a', 0, 0xC3, 0x28], out _, out _, out _));

    [Fact]
    public void Response_lines_frame_at_every_split_point()
    {
        var input = Encoding.ASCII.GetBytes("YWxpY2U=\r\n*\n\r\n");
        for (var split = 0; split <= input.Length; split++)
        {
            var lines = ReadAll(SequenceBuilder.Create(input[..split], input[split..]));
            Assert.Equal(["YWxpY2U=", "*", ""], lines);
        }
    }

    [Fact]
    public void A_line_over_the_limit_is_reported_once_its_end_arrives_without_holding_it()
    {
        var reader = new SaslResponseReader();
        var first = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(new string('A', Sasl.MaxResponseLength + 2)));
        var sequence = new SequenceReader<byte>(first);
        Assert.Equal(SaslResponseStatus.NeedMoreData, reader.TryReadLine(ref sequence, out _));
        Assert.Equal(first.Length, sequence.Consumed); // dropped as it arrives
        var rest = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("AAAA\r\nYWxpY2U=\r\n"));
        sequence = new SequenceReader<byte>(rest);
        Assert.Equal(SaslResponseStatus.TooLong, reader.TryReadLine(ref sequence, out _));
        Assert.Equal(SaslResponseStatus.Line, reader.TryReadLine(ref sequence, out var line));
        Assert.Equal("YWxpY2U=", Encoding.ASCII.GetString(line));
    }

    [Fact]
    public void A_line_of_exactly_the_limit_is_a_line()
    {
        var reader = new SaslResponseReader();
        var text = new string('A', Sasl.MaxResponseLength);
        var sequence = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text + "\r\n")));
        Assert.Equal(SaslResponseStatus.Line, reader.TryReadLine(ref sequence, out var line));
        Assert.Equal(Sasl.MaxResponseLength, line.Length);
        sequence = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text + "A\r\n")));
        Assert.Equal(SaslResponseStatus.TooLong, reader.TryReadLine(ref sequence, out _));
    }

    private static List<string> ReadAll(ReadOnlySequence<byte> input)
    {
        var reader = new SaslResponseReader();
        var sequence = new SequenceReader<byte>(input);
        var lines = new List<string>();
        while (reader.TryReadLine(ref sequence, out var line) == SaslResponseStatus.Line) lines.Add(Encoding.ASCII.GetString(line));
        return lines;
    }
}
