using System.Text;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Session;
using SmarthostLab.Smtp.Tests.Support;

namespace SmarthostLab.Smtp.Tests;

public sealed class SessionTranscriptTests
{
    [Fact]
    public async Task Greeting_and_EHLO_list_exactly_the_capabilities()
    {
        await using var h = PipeHarness.Start(new SmtpOptions { HostName = "relay.test", MaxMessageSize = 10_485_760 });
        Assert.Equal("220 relay.test ESMTP SmarthostLab ready", await h.ReadReplyAsync());
        await h.SendAsync("EHLO client.test\r\n");
        Assert.Equal(
            "250-relay.test\n250-PIPELINING\n250-SIZE 10485760\n250-8BITMIME\n250-SMTPUTF8\n250-ENHANCEDSTATUSCODES\n250-DSN\n250-CHUNKING\n250 BINARYMIME",
            await h.ReadReplyAsync());
        Assert.Equal("client.test", h.Context.Helo);
        Assert.True(h.Context.IsExtended);
        await h.SendAsync("HELO other.test\r\n");
        Assert.Equal("250 relay.test", await h.ReadReplyAsync());
        Assert.False(h.Context.IsExtended);
    }

    [Fact]
    public async Task EHLO_offers_STARTTLS_only_with_a_certificate()
    {
        using var cert = TestCertificates.SelfSigned();
        await using var h = PipeHarness.Start(certificate: cert);
        await h.ReadReplyAsync();
        await h.SendAsync("EHLO client.test\r\n");
        Assert.Contains("\n250-STARTTLS\n", await h.ReadReplyAsync());
    }

    [Fact]
    public async Task A_pipelined_batch_in_one_write_is_answered_in_order()
    {
        await using var h = PipeHarness.Start();
        await h.ReadReplyAsync();
        await h.SendAsync("EHLO client.test\r\nMAIL FROM:<alice@contoso.test>\r\nRCPT TO:<bob@example.com>\r\nRCPT TO:<carol@example.com>\r\nDATA\r\n");
        var replies = await h.ReadRepliesAsync(5);
        Assert.StartsWith("250-relay.test", replies[0]);
        Assert.Equal(["250 2.1.0 Sender OK", "250 2.1.5 Recipient OK", "250 2.1.5 Recipient OK", "354 Start mail input; end with <CRLF>.<CRLF>"], replies[1..]);
        await h.SendAsync("Subject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n");
        Assert.Equal("250 2.0.0 Queued as TEST", await h.ReadReplyAsync());
        Assert.Equal("221 2.0.0 relay.test closing connection", await h.ReadReplyAsync());
        Assert.True(await h.IsClosedAsync());
        var message = Assert.Single(h.Handler.Messages);
        Assert.Equal("alice@contoso.test", message.MailFrom);
        Assert.Equal(["bob@example.com", "carol@example.com"], message.Recipients);
        Assert.Equal("Subject: hi\r\n\r\nbody\r\n", Encoding.ASCII.GetString(message.Content));
    }

    /// <summary>A whole dialog written in two writes split at every byte: same replies, same message.</summary>
    [Fact]
    public async Task A_dialog_split_at_every_byte_gives_the_same_replies_and_message()
    {
        var dialog = Encoding.ASCII.GetBytes("EHLO c.test\r\nMAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test>\r\nDATA\r\n..x\r\ny\r\n.\r\nBDAT 5\r\nab\r\n.BDAT 0 LAST\r\nQUIT\r\n");
        string[]? expected = null;
        for (var split = 0; split <= dialog.Length; split++)
        {
            await using var h = PipeHarness.Start();
            await h.ReadReplyAsync();
            await h.SendAsync(dialog[..split]);
            await h.SendAsync(dialog[split..]);
            var replies = await h.ReadRepliesAsync(8);
            Assert.True(await h.IsClosedAsync());
            expected ??= replies;
            Assert.Equal(expected, replies);
            var message = Assert.Single(h.Handler.Messages);
            Assert.Equal(".x\r\ny\r\n", Encoding.ASCII.GetString(message.Content));
        }
        Assert.Equal("503 5.5.1 Bad sequence of commands", expected![5]); // BDAT with no transaction: chunk consumed, then 503
        Assert.Equal("503 5.5.1 Bad sequence of commands", expected[6]);
    }

    [Fact]
    public async Task Data_is_dot_unstuffed_to_the_exact_bytes()
    {
        await using var h = await PipeHarness.StartWithEhloAsync();
        await h.SendAsync("MAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test>\r\nDATA\r\n");
        await h.ReadRepliesAsync(3);
        await h.SendAsync("..one\r\n..\r\n...\r\nend.\r\n.\r\n");
        Assert.StartsWith("250 2.0.0", await h.ReadReplyAsync());
        Assert.Equal(".one\r\n.\r\n..\r\nend.\r\n", Encoding.ASCII.GetString(Assert.Single(h.Handler.Messages).Content));
        Assert.Contains("<", h.Context.Transcript.ToString());
        Assert.Contains("octets of message data>", h.Context.Transcript.ToString());
        Assert.Contains("C: DATA", h.Context.Transcript.ToString());
    }

    [Fact]
    public async Task Bare_LF_is_rejected_by_default()
    {
        await using var h = await PipeHarness.StartWithEhloAsync();
        await h.SendAsync("MAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test>\r\nDATA\r\n");
        await h.ReadRepliesAsync(3);
        await h.SendAsync("a\nb\r\n.\r\nNOOP\r\n");
        Assert.Equal("550 5.6.11 Bare LF in message data is not allowed, lines must end with CRLF (SMTP smuggling protection)", await h.ReadReplyAsync());
        Assert.Equal("250 2.0.0 OK", await h.ReadReplyAsync());
        Assert.Empty(h.Handler.Messages);
        Assert.Contains(h.Handler.Refusals, r => r.Reason == "bare-lf" && r.Stage == "data");
    }

    [Fact]
    public async Task Bare_LF_is_stored_as_sent_when_accepted()
    {
        var options = PipeHarness.DefaultOptions();
        options.BareLineFeed = BareLineFeedPolicy.Accept;
        await using var h = await PipeHarness.StartWithEhloAsync(options);
        await h.SendAsync("MAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test>\r\nDATA\r\n");
        await h.ReadRepliesAsync(3);
        await h.SendAsync("a\nb\r\n.\r\n");
        Assert.StartsWith("250 2.0.0", await h.ReadReplyAsync());
        Assert.Equal("a\nb\r\n", Encoding.ASCII.GetString(Assert.Single(h.Handler.Messages).Content));
    }

    [Theory]
    [InlineData("\n.\n")]
    [InlineData("\n.\r\n")]
    [InlineData("\r\n.\n")]
    public async Task Smuggling_markers_do_not_end_DATA(string marker)
    {
        var options = PipeHarness.DefaultOptions();
        options.BareLineFeed = BareLineFeedPolicy.Accept;
        await using var h = await PipeHarness.StartWithEhloAsync(options);
        await h.SendAsync("MAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test>\r\nDATA\r\n");
        await h.ReadRepliesAsync(3);
        var smuggled = "first" + marker + "MAIL FROM:<evil@x.test>\r\nRCPT TO:<victim@y.test>\r\nDATA\r\nforged\r\n.\r\n";
        await h.SendAsync(smuggled);
        Assert.StartsWith("250 2.0.0", await h.ReadReplyAsync());
        var message = Assert.Single(h.Handler.Messages);
        Assert.Contains("MAIL FROM:<evil@x.test>", Encoding.ASCII.GetString(message.Content));
        await h.SendAsync("NOOP\r\n");
        Assert.Equal("250 2.0.0 OK", await h.ReadReplyAsync()); // nothing of the smuggled text was answered
    }

    [Fact]
    public async Task A_text_line_over_1000_octets_is_refused_after_the_end_of_data()
    {
        await using var h = await PipeHarness.StartWithEhloAsync();
        await h.SendAsync("MAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test>\r\nDATA\r\n");
        await h.ReadRepliesAsync(3);
        await h.SendAsync(new string('x', 998) + "\r\n.\r\n");
        Assert.StartsWith("250 2.0.0", await h.ReadReplyAsync());
        await h.SendAsync("MAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test>\r\nDATA\r\n");
        await h.ReadRepliesAsync(3);
        await h.SendAsync(new string('x', 999) + "\r\n.\r\nNOOP\r\n");
        Assert.Equal("500 5.5.2 Line too long (message text lines are limited to 1000 octets); message refused", await h.ReadReplyAsync());
        Assert.Equal("250 2.0.0 OK", await h.ReadReplyAsync());
        Assert.Single(h.Handler.Messages);
    }

    [Fact]
    public async Task A_command_line_over_512_octets_gets_500_and_the_session_goes_on()
    {
        await using var h = await PipeHarness.StartWithEhloAsync();
        await h.SendAsync("NOOP " + new string('x', 505) + "\r\n");
        Assert.Equal("250 2.0.0 OK", await h.ReadReplyAsync());
        await h.SendAsync("NOOP " + new string('x', 5000) + "\r\nNOOP\r\n");
        Assert.Equal("500 5.5.2 Line too long (command lines are limited to 512 octets)", await h.ReadReplyAsync());
        Assert.Equal("250 2.0.0 OK", await h.ReadReplyAsync());
    }

    [Fact]
    public async Task Message_size_is_enforced_while_reading_DATA()
    {
        await using var h = await InDataAsync(o => o.MaxMessageSize = 2048);
        await h.SendAsync(string.Concat(Enumerable.Repeat(new string('y', 98) + "\r\n", 30)) + ".\r\nNOOP\r\n");
        await AssertRefusedAndTransactionEndedAsync(h, "552 5.3.4 Message size exceeds fixed maximum message size", "data", "message-size");
    }

    [Fact]
    public async Task Message_size_is_enforced_across_BDAT_chunks()
    {
        await using var h = await InTransactionAsync(o => o.MaxMessageSize = 2048);
        await h.SendAsync("BDAT 1500\r\n" + new string('a', 1500) + "BDAT 1000 LAST\r\n" + new string('b', 1000) + "NOOP\r\n");
        Assert.Equal("250 2.0.0 1500 octets received", await h.ReadReplyAsync());
        Assert.Equal("552 5.3.4 Message size exceeds fixed maximum message size", await h.ReadReplyAsync());
        Assert.Equal("250 2.0.0 OK", await h.ReadReplyAsync()); // the chunk was consumed, not read as commands
        Assert.Empty(h.Handler.Messages);
    }

    [Fact]
    public async Task A_header_over_MaxHeaderSize_is_refused_after_DATA_and_the_session_goes_on()
    {
        await using var h = await InDataAsync(o => o.MaxHeaderSize = 1024);
        await h.SendAsync("X-Long: x\r\n" + string.Concat(Enumerable.Repeat(" folded line\r\n", 100)) + "\r\nbody\r\n.\r\nNOOP\r\n");
        await AssertRefusedAndTransactionEndedAsync(h, "552 5.3.4 Message header exceeds Smtp:MaxHeaderSize (1024 octets)", "data", "header-size");
    }

    [Theory]
    [InlineData("X-Fill: 4 lines of 256 octets, 1024 in all", true)]
    [InlineData("no header here, just text", false)]
    public async Task A_header_of_exactly_MaxHeaderSize_or_none_at_all_passes(string text, bool header)
    {
        await using var h = await InDataAsync(o => o.MaxHeaderSize = 1024);
        var line = text + new string('.', 254 - text.Length) + "\r\n";
        var message = string.Concat(Enumerable.Repeat(line, header ? 4 : 40)) + "\r\n" + string.Concat(Enumerable.Repeat(new string('b', 98) + "\r\n", 50));
        await h.SendAsync(message + ".\r\n");
        Assert.Equal("250 2.0.0 Queued as TEST", await h.ReadReplyAsync());
    }

    [Fact]
    public async Task A_header_over_MaxHeaderSize_is_refused_at_the_BDAT_chunk_that_passes_it()
    {
        await using var h = await InTransactionAsync(o => o.MaxHeaderSize = 1024);
        var first = "X-Long: x\r\n" + string.Concat(Enumerable.Repeat(" folded\r\n", 50));
        var second = string.Concat(Enumerable.Repeat(" folded\r\n", 100));
        await h.SendAsync($"BDAT {first.Length}\r\n{first}BDAT {second.Length}\r\n{second}BDAT 6 LAST\r\n\r\nbodyNOOP\r\n");
        Assert.Equal($"250 2.0.0 {first.Length} octets received", await h.ReadReplyAsync());
        Assert.Equal("552 5.3.4 Message header exceeds Smtp:MaxHeaderSize (1024 octets)", await h.ReadReplyAsync());
        Assert.StartsWith("503 5.5.1", await h.ReadReplyAsync()); // the transaction ended; the chunk is still consumed
        Assert.Equal("250 2.0.0 OK", await h.ReadReplyAsync());
        Assert.Empty(h.Handler.Messages);
        Assert.Contains(h.Handler.Refusals, r => r is { Stage: "bdat", Reason: "header-size" });
    }

    [Fact]
    public async Task A_message_past_the_spool_threshold_reaches_the_handler_whole_over_DATA_and_BDAT()
    {
        using var folder = new SmarthostLab.Tests.Support.TempFolder();
        await using var h = await InDataAsync(o => (o.SpoolThreshold, o.SpoolFolder) = (64 * 1024, folder.Path));
        var body = "Subject: big\r\n\r\n" + string.Concat(Enumerable.Range(0, 10_000).Select(i => $"line {i:D6} of a message spooled to disk\r\n"));
        await h.SendAsync(body + ".\r\n");
        Assert.Equal("250 2.0.0 Queued as TEST", await h.ReadReplyAsync());
        await h.SendAsync($"MAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test>\r\nBDAT {body.Length} LAST\r\n{body}");
        Assert.Equal("250 2.0.0 Queued as TEST", (await h.ReadRepliesAsync(3))[2]);

        Assert.All(h.Handler.Messages, m => Assert.Equal(body, Encoding.ASCII.GetString(m.Content)));
        Assert.Equal(2, h.Handler.Messages.Count);
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public async Task A_message_that_cannot_be_spooled_gets_452_4_3_1_and_the_session_goes_on()
    {
        using var folder = new SmarthostLab.Tests.Support.TempFolder();
        var file = Path.Combine(folder.Path, "not-a-folder");
        await File.WriteAllTextAsync(file, "x");
        await using var h = await InDataAsync(o => (o.SpoolThreshold, o.SpoolFolder) = (0, Path.Combine(file, "spool")));
        await h.SendAsync(string.Concat(Enumerable.Repeat(new string('y', 98) + "\r\n", 2000)) + ".\r\nNOOP\r\n");
        await AssertRefusedAndTransactionEndedAsync(h, "452 4.3.1 Insufficient system storage, please try again later", "data", "spool-failure");
    }

    /// <summary>A session past EHLO, MAIL FROM and RCPT TO, ready for DATA or BDAT.</summary>
    private static async Task<PipeHarness> InTransactionAsync(Action<SmtpOptions> configure)
    {
        var options = PipeHarness.DefaultOptions();
        configure(options);
        var h = await PipeHarness.StartWithEhloAsync(options);
        await h.SendAsync("MAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test>\r\n");
        await h.ReadRepliesAsync(2);
        return h;
    }

    /// <summary>A session past DATA (354) as well, ready for the message text.</summary>
    private static async Task<PipeHarness> InDataAsync(Action<SmtpOptions> configure)
    {
        var h = await InTransactionAsync(configure);
        await h.SendAsync("DATA\r\n");
        await h.ReadReplyAsync();
        return h;
    }

    /// <summary>The message (followed by NOOP) got <paramref name="reply"/>, was recorded and stored nowhere, and its transaction ended.</summary>
    private static async Task AssertRefusedAndTransactionEndedAsync(PipeHarness h, string reply, string stage, string reason)
    {
        Assert.Equal(reply, await h.ReadReplyAsync());
        Assert.Equal("250 2.0.0 OK", await h.ReadReplyAsync());
        Assert.Empty(h.Handler.Messages);
        Assert.Contains(h.Handler.Refusals, r => r.Stage == stage && r.Reason == reason);
        await h.SendAsync("RCPT TO:<b@b.test>\r\n");
        Assert.StartsWith("503 5.5.1", await h.ReadReplyAsync());
    }

    [Fact]
    public async Task A_refused_message_does_not_taint_the_next_one()
    {
        await using var h = await PipeHarness.StartWithEhloAsync();
        await h.SendAsync("MAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test>\r\nDATA\r\n");
        await h.ReadRepliesAsync(3);
        await h.SendAsync("bare\nlf\r\n" + new string('x', 1200) + "\r\n.\r\n");
        Assert.StartsWith("550 5.6.11", await h.ReadReplyAsync());
        await h.SendAsync("MAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test>\r\nDATA\r\nclean\r\n.\r\n");
        Assert.Equal("250 2.0.0 Queued as TEST", (await h.ReadRepliesAsync(4))[3]);
        Assert.Equal("clean\r\n", Encoding.ASCII.GetString(Assert.Single(h.Handler.Messages).Content));
    }

    [Fact]
    public async Task SIZE_over_the_limit_is_refused_at_MAIL()
    {
        await using var h = await PipeHarness.StartWithEhloAsync();
        await h.SendAsync($"MAIL FROM:<a@a.test> SIZE={h.Options.MaxMessageSize + 1}\r\nMAIL FROM:<a@a.test> SIZE={h.Options.MaxMessageSize}\r\n");
        Assert.Equal(["552 5.3.4 Message size exceeds fixed maximum message size", "250 2.1.0 Sender OK"], await h.ReadRepliesAsync(2));
    }

    [Fact]
    public async Task The_recipient_past_the_limit_gets_452()
    {
        var options = PipeHarness.DefaultOptions();
        options.MaxRecipients = 2;
        await using var h = await PipeHarness.StartWithEhloAsync(options);
        await h.SendAsync("MAIL FROM:<a@a.test>\r\nRCPT TO:<b1@b.test>\r\nRCPT TO:<b2@b.test>\r\nRCPT TO:<b3@b.test>\r\n");
        var replies = await h.ReadRepliesAsync(4);
        Assert.Equal("452 4.5.3 Too many recipients", replies[3]);
        Assert.Contains(h.Handler.Refusals, r => r is { Stage: "rcpt", Reason: "too-many-recipients" });
    }

    [Fact]
    public async Task BDAT_0_LAST_delivers_an_empty_or_completed_message()
    {
        await using var h = await PipeHarness.StartWithEhloAsync();
        await h.SendAsync("MAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test>\r\nBDAT 0 LAST\r\n");
        var replies = await h.ReadRepliesAsync(3);
        Assert.Equal("250 2.0.0 Queued as TEST", replies[2]);
        Assert.Empty(h.Handler.Messages.Single().Content);

        await h.SendAsync("MAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test>\r\nBDAT 3\r\nabcBDAT 0 LAST\r\n");
        replies = await h.ReadRepliesAsync(4);
        Assert.Equal(["250 2.0.0 3 octets received", "250 2.0.0 Queued as TEST"], replies[2..]);
        Assert.Equal("abc"u8.ToArray(), h.Handler.Messages.Last().Content);
    }

    [Fact]
    public async Task BDAT_chunks_are_stored_byte_for_byte()
    {
        await using var h = await PipeHarness.StartWithEhloAsync();
        await h.SendAsync("MAIL FROM:<a@a.test> BODY=BINARYMIME\r\nRCPT TO:<b@b.test>\r\n");
        await h.ReadRepliesAsync(2);
        var binary = new byte[] { 0, 1, (byte)'\r', (byte)'x', (byte)'\n', (byte)'.', (byte)'\r', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', (byte)'.', (byte)'\r', (byte)'\n', 0x80 };
        var wire = Encoding.ASCII.GetBytes($"BDAT {binary.Length}\r\n").Concat(binary).Concat(Encoding.ASCII.GetBytes($"BDAT {binary.Length} LAST\r\n")).Concat(binary).ToArray();
        await h.SendAsync(wire);
        Assert.Equal([$"250 2.0.0 {binary.Length} octets received", "250 2.0.0 Queued as TEST"], await h.ReadRepliesAsync(2));
        var message = Assert.Single(h.Handler.Messages);
        Assert.Equal(binary.Concat(binary).ToArray(), message.Content);
        Assert.Equal(BodyType.BinaryMime, message.Body);
    }

    [Fact]
    public async Task BINARYMIME_then_DATA_is_a_bad_sequence()
    {
        await using var h = await PipeHarness.StartWithEhloAsync();
        await h.SendAsync("MAIL FROM:<a@a.test> BODY=BINARYMIME\r\nRCPT TO:<b@b.test>\r\nDATA\r\n");
        Assert.Equal("503 5.5.1 BODY=BINARYMIME requires BDAT", (await h.ReadRepliesAsync(3))[2]);
    }

    [Fact]
    public async Task DATA_after_a_BDAT_chunk_is_a_bad_sequence()
    {
        await using var h = await PipeHarness.StartWithEhloAsync();
        await h.SendAsync("MAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test>\r\nBDAT 2\r\nhiDATA\r\n");
        Assert.Equal(["250 2.0.0 2 octets received", "503 5.5.1 Bad sequence of commands"], (await h.ReadRepliesAsync(4))[2..]);
    }

    [Theory]
    [InlineData("MAIL FROM:<a@a.test>\r\n")]
    [InlineData("RCPT TO:<b@b.test>\r\n")]
    [InlineData("DATA\r\n")]
    [InlineData("STARTTLS\r\n")]
    public async Task Commands_out_of_sequence_get_503(string command)
    {
        await using var h = PipeHarness.Start();
        await h.ReadReplyAsync();
        await h.SendAsync(command);
        Assert.Equal("503 5.5.1 Bad sequence of commands", await h.ReadReplyAsync());
    }

    [Fact]
    public async Task Unknown_commands_and_parameters_get_their_replies()
    {
        await using var h = await PipeHarness.StartWithEhloAsync();
        await h.SendAsync("XYZZY\r\nMAIL FROM:<a@a.test> MT-PRIORITY=3\r\nMAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test> RRVS=2030-01-01T00:00:00Z\r\nVRFY bob\r\nHELP\r\n");
        Assert.Equal([
            "500 5.5.1 Command unrecognized",
            "555 5.5.4 MAIL FROM/RCPT TO parameters not recognized or not implemented",
            "250 2.1.0 Sender OK",
            "555 5.5.4 MAIL FROM/RCPT TO parameters not recognized or not implemented",
            "252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery",
            "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS (RFC 5321)",
        ], await h.ReadRepliesAsync(6));
    }

    [Fact]
    public async Task UTF8_addresses_need_SMTPUTF8()
    {
        await using var h = await PipeHarness.StartWithEhloAsync();
        await h.SendAsync("MAIL FROM:<josé@example.com>\r\nMAIL FROM:<jose@example.com>\r\nRCPT TO:<renée@example.com>\r\nRSET\r\nMAIL FROM:<josé@example.com> SMTPUTF8\r\nRCPT TO:<renée@example.com>\r\n");
        Assert.Equal([
            "553 5.6.7 Non-ASCII address requires the SMTPUTF8 parameter on MAIL FROM",
            "250 2.1.0 Sender OK",
            "553 5.6.7 Non-ASCII address requires the SMTPUTF8 parameter on MAIL FROM",
            "250 2.0.0 OK",
            "250 2.1.0 Sender OK",
            "250 2.1.5 Recipient OK",
        ], await h.ReadRepliesAsync(6));
    }

    [Fact]
    public async Task A_refused_session_answers_503_until_QUIT()
    {
        var handler = new RecordingHandler { ConnectReply = new SmtpReply(554, "5.7.1", "192.0.2.10 is not a registered outbound server of any account") };
        await using var h = PipeHarness.Start(handler: handler);
        Assert.Equal("554 5.7.1 192.0.2.10 is not a registered outbound server of any account", await h.ReadReplyAsync());
        await h.SendAsync("EHLO client.test\r\nMAIL FROM:<a@a.test>\r\nFOO\r\nQUIT\r\n");
        Assert.Equal([
            "503 5.7.1 Session refused; only QUIT is accepted",
            "503 5.7.1 Session refused; only QUIT is accepted",
            "503 5.7.1 Session refused; only QUIT is accepted",
            "221 2.0.0 relay.test closing connection",
        ], await h.ReadRepliesAsync(4));
        Assert.True(await h.IsClosedAsync());
        Assert.True(h.Context.Refused);
    }

    /// <summary>A session refused at connect (554) whose life is <paramref name="timeout"/>, past its greeting.</summary>
    private static async Task<PipeHarness> StartRefusedAsync(TimeSpan timeout)
    {
        var options = PipeHarness.DefaultOptions();
        options.RefusedSessionTimeout = timeout;
        var h = PipeHarness.Start(options, new RecordingHandler { ConnectReply = new SmtpReply(554, "5.7.1", "refused") });
        Assert.Equal("554 5.7.1 refused", await h.ReadReplyAsync());
        return h;
    }

    [Fact]
    public async Task A_silent_refused_session_is_closed_after_its_timeout_without_a_reply()
    {
        await using var h = await StartRefusedAsync(TimeSpan.FromSeconds(1));
        Assert.True(await h.IsClosedAsync());
    }

    [Fact]
    public async Task A_refused_session_is_closed_after_its_first_burst_of_commands()
    {
        await using var h = await StartRefusedAsync(TimeSpan.FromMinutes(5));
        await h.SendAsync("EHLO client.test\r\nNOOP\r\n");
        Assert.Equal(["503 5.7.1 Session refused; only QUIT is accepted", "503 5.7.1 Session refused; only QUIT is accepted"], await h.ReadRepliesAsync(2));
        Assert.True(await h.IsClosedAsync());
    }

    [Fact]
    public async Task An_idle_client_gets_421_after_the_command_timeout()
    {
        var options = PipeHarness.DefaultOptions();
        options.CommandTimeout = TimeSpan.FromSeconds(1);
        await using var h = await PipeHarness.StartWithEhloAsync(options);
        Assert.Equal("421 4.4.2 relay.test timeout, closing connection", await h.ReadReplyAsync());
        Assert.True(await h.IsClosedAsync());
        Assert.Contains(h.Handler.Refusals, r => r.Reason == "timeout");
    }

    [Fact]
    public async Task A_stalled_DATA_gets_421_after_the_data_timeout()
    {
        var options = PipeHarness.DefaultOptions();
        options.DataTimeout = TimeSpan.FromMilliseconds(500);
        await using var h = await PipeHarness.StartWithEhloAsync(options);
        await h.SendAsync("MAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test>\r\nDATA\r\npartial");
        await h.ReadRepliesAsync(3);
        Assert.Equal("421 4.4.2 relay.test timeout, closing connection", await h.ReadReplyAsync());
        Assert.True(await h.IsClosedAsync());
    }

    [Fact]
    public async Task Too_many_bad_commands_close_the_session_with_421()
    {
        var options = PipeHarness.DefaultOptions();
        options.MaxBadCommands = 3;
        await using var h = await PipeHarness.StartWithEhloAsync(options);
        await h.SendAsync("FOO\r\nBAR\r\nRCPT TO:<x@y.test>\r\nBAZ\r\nNOOP\r\n");
        var replies = await h.ReadRepliesAsync(4);
        Assert.Equal("421 4.7.0 relay.test too many bad commands, closing connection", replies[3]);
        Assert.True(await h.IsClosedAsync());
    }

    [Fact]
    public async Task Shutdown_while_waiting_for_a_command_sends_421_4_3_2()
    {
        await using var h = await PipeHarness.StartWithEhloAsync();
        h.Stop();
        Assert.Equal("421 4.3.2 relay.test service shutting down", await h.ReadReplyAsync());
        Assert.True(await h.IsClosedAsync());
    }

    [Fact]
    public async Task Shutdown_during_DATA_lets_the_message_finish()
    {
        await using var h = await PipeHarness.StartWithEhloAsync();
        await h.SendAsync("MAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test>\r\nDATA\r\n");
        await h.ReadRepliesAsync(3);
        await h.SendAsync("half of it\r\n");
        await Task.Delay(50);
        h.Stop();
        await Task.Delay(50);
        await h.SendAsync("rest\r\n.\r\n");
        Assert.Equal("250 2.0.0 Queued as TEST", await h.ReadReplyAsync());
        Assert.Equal("421 4.3.2 relay.test service shutting down", await h.ReadReplyAsync());
        Assert.Equal("half of it\r\nrest\r\n", Encoding.ASCII.GetString(Assert.Single(h.Handler.Messages).Content));
    }

    [Fact]
    public async Task RSET_and_EHLO_reset_the_transaction()
    {
        await using var h = await PipeHarness.StartWithEhloAsync();
        await h.SendAsync("MAIL FROM:<a@a.test>\r\nRSET\r\nRCPT TO:<b@b.test>\r\nMAIL FROM:<a@a.test>\r\nEHLO again.test\r\nRCPT TO:<b@b.test>\r\n");
        var replies = await h.ReadRepliesAsync(6);
        Assert.Equal("250 2.0.0 OK", replies[1]);
        Assert.StartsWith("503 5.5.1", replies[2]);
        Assert.StartsWith("503 5.5.1", replies[5]);
    }

    [Fact]
    public async Task Handler_refusals_pass_through_and_the_transcript_records_the_dialog()
    {
        var handler = new RecordingHandler { RecipientReply = r => r.StartsWith("no") ? new SmtpReply(550, "5.1.1", "No such user") : null };
        await using var h = await PipeHarness.StartWithEhloAsync(handler: handler);
        await h.SendAsync("MAIL FROM:<a@a.test>\r\nRCPT TO:<no@b.test>\r\nRCPT TO:<yes@b.test>\r\nDATA\r\nx\r\n.\r\n");
        Assert.Equal(["250 2.1.0 Sender OK", "550 5.1.1 No such user", "250 2.1.5 Recipient OK", "354 Start mail input; end with <CRLF>.<CRLF>", "250 2.0.0 Queued as TEST"],
            await h.ReadRepliesAsync(5));
        Assert.Equal(["yes@b.test"], Assert.Single(h.Handler.Messages).Recipients);
        var transcript = h.Context.Transcript.ToString();
        Assert.Contains("C: RCPT TO:<no@b.test>\r\nS: 550 5.1.1 No such user\r\n", transcript);
        Assert.Contains("*  <3 octets of message data>\r\n", transcript); // stored octets
    }

    [Fact]
    public void Transcript_keeps_the_opening_and_the_current_transaction_only()
    {
        var t = new SessionTranscript();
        t.Server("220 relay.test ready");
        t.Client("EHLO c.test");
        t.Server("250 relay.test");
        Assert.Equal("S: 220 relay.test ready\r\nC: EHLO c.test\r\nS: 250 relay.test\r\n", t.ForCurrentTransaction());

        t.Client("MAIL FROM:<a@a.test>");
        t.BeginTransaction();
        t.Server("250 ok");
        t.Note("<10 octets of message data>");
        Assert.Equal("S: 220 relay.test ready\r\nC: EHLO c.test\r\nS: 250 relay.test\r\nC: MAIL FROM:<a@a.test>\r\nS: 250 ok\r\n*  <10 octets of message data>\r\n", t.ForCurrentTransaction());

        t.Client("RSET");
        t.Server("250 reset");
        t.Client("MAIL FROM:<b@b.test>");
        t.BeginTransaction();
        t.Server("250 ok");
        var second = t.ForCurrentTransaction();
        Assert.Equal("S: 220 relay.test ready\r\nC: EHLO c.test\r\nS: 250 relay.test\r\nC: MAIL FROM:<b@b.test>\r\nS: 250 ok\r\n", second);
        Assert.Equal(second, t.ToString());
    }

    [Fact]
    public void Transcript_bound_applies_per_transaction_and_a_new_transaction_lifts_truncation()
    {
        var t = new SessionTranscript();
        t.Client("EHLO c.test");
        t.Client("MAIL FROM:<a@a.test>");
        t.BeginTransaction();
        var filler = new string('x', 1000);
        for (var i = 0; i < 100; i++) t.Client("RCPT TO:<" + filler + ">");
        var first = t.ForCurrentTransaction();
        Assert.True(first.Length <= SessionTranscript.MaxChars);
        Assert.EndsWith("*  transcript truncated\r\n", first);

        t.Client("MAIL FROM:<b@b.test>"); // dropped while truncated, recorded again when the transaction begins
        t.BeginTransaction();
        t.Server("250 ok");
        Assert.Equal("C: EHLO c.test\r\nC: MAIL FROM:<b@b.test>\r\nS: 250 ok\r\n", t.ForCurrentTransaction());
    }

    [Fact]
    public async Task Session_marks_the_transaction_at_each_accepted_MAIL()
    {
        await using var h = PipeHarness.Start();
        await h.ReadReplyAsync();
        await h.SendAsync("EHLO client.test\r\nMAIL FROM:<one@contoso.test>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n");
        await h.ReadRepliesAsync(4);
        await h.SendAsync("Subject: 1\r\n\r\nx\r\n.\r\nMAIL FROM:<two@contoso.test>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n");
        await h.ReadRepliesAsync(4);
        await h.SendAsync("Subject: 2\r\n\r\ny\r\n.\r\n");
        await h.ReadReplyAsync();
        var text = h.Context.Transcript.ForCurrentTransaction();
        Assert.Contains("C: EHLO client.test\r\n", text);
        Assert.Contains("C: MAIL FROM:<two@contoso.test>\r\n", text);
        Assert.DoesNotContain("one@contoso.test", text);
    }
}
