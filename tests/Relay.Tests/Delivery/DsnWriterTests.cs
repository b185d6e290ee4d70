using System.Text;
using MimeKit;
using MimeKit.Utils;
using SmarthostLab.Relay.Delivery;

namespace SmarthostLab.Relay.Tests.Delivery;

/// <summary>
/// The RFC 3464 delivery status notification: written by <see cref="DsnWriter"/>, read back with MimeKit
/// (multipart/report, message/delivery-status and its status groups), and checked octet by octet where the
/// original is embedded.
/// </summary>
public sealed class DsnWriterTests
{
    private const string OriginalHeader =
        "Received: from client.test (unknown [192.0.2.7])\r\n" +
        "\tby smarthost.test (SmarthostLab) with ESMTP id 01JD0000000000000000000000\r\n" +
        "From: Alice <alice@contoso.test>\r\n" +
        "To: Bob <bob@example.com>\r\n" +
        "Subject: Quarterly figures\r\n" +
        "Message-ID: <original@contoso.test>\r\n" +
        "\r\n";

    private const string OriginalBody = "Hello Bob,\r\n\r\nthe figures are attached.\r\n";

    private static readonly byte[] Original = Encoding.ASCII.GetBytes(OriginalHeader + OriginalBody);
    private static readonly DateTimeOffset Arrival = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Attempt = new(2026, 11, 23, 10, 5, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 6, 30, TimeSpan.Zero);

    private const string UnknownUser = "550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown";

    private static DsnRecipient Bounced(string address = "bob@example.com") =>
        new(address, null, DsnAction.Failed, "5.1.1", "mx.example.com", UnknownUser, Attempt, null);

    private static DsnRequest Request(params DsnRecipient[] recipients) =>
        new("smarthost.test", "01JD0000000000000000000000", "alice@contoso.test", null, false, Arrival, recipients, Original, Now, "smarthost.test");

    [Fact]
    public void A_bounce_of_one_recipient_is_a_multipart_report_with_the_remote_reply()
    {
        var dsn = Read(DsnWriter.Write(Request(Bounced())));

        var message = dsn.Message;
        Assert.Equal(Now, message.Date);
        Assert.Equal("Mail Delivery System <MAILER-DAEMON@smarthost.test>", message.Headers[HeaderId.From]);
        Assert.Equal("<alice@contoso.test>", message.Headers[HeaderId.To]);
        Assert.Equal("alice@contoso.test", Assert.Single(message.To.Mailboxes).Address);
        Assert.Equal(DsnWriter.FailedSubject, message.Subject);
        Assert.Equal("Undelivered Mail Returned to Sender", message.Subject);
        Assert.EndsWith("@smarthost.test", message.MessageId, StringComparison.Ordinal);
        Assert.Equal("auto-replied", message.Headers["Auto-Submitted"]);
        Assert.Equal("1.0", message.Headers[HeaderId.MimeVersion]);
        Assert.True(dsn.Report.ContentType.IsMimeType("multipart", "report"));
        Assert.Equal("delivery-status", dsn.Report.ReportType);
        Assert.False(dsn.Report.Headers.Contains(HeaderId.ContentTransferEncoding));
        Assert.Equal(3, dsn.Report.Count);

        Assert.Equal("us-ascii", dsn.Text.ContentType.Charset);
        Assert.Contains("This is the mail system at host smarthost.test.", dsn.Text.Text, StringComparison.Ordinal);
        Assert.Contains("01JD0000000000000000000000", dsn.Text.Text, StringComparison.Ordinal);
        Assert.Contains("<bob@example.com>: host mx.example.com said: 550 5.1.1", dsn.Text.Text, StringComparison.Ordinal);
        Assert.Contains("User unknown (status 5.1.1)", dsn.Text.Text, StringComparison.Ordinal);

        var groups = dsn.Status.StatusGroups;
        Assert.Equal(2, groups.Count);
        Assert.Equal(["Reporting-MTA", "Arrival-Date"], groups[0].Select(h => h.Field));
        Assert.Equal("dns; smarthost.test", groups[0]["Reporting-MTA"]);
        Assert.Equal(Arrival, DateUtils.TryParse(groups[0]["Arrival-Date"], out var arrival) ? arrival : default);
        Assert.Equal(
            ["Final-Recipient", "Action", "Status", "Remote-MTA", "Diagnostic-Code", "Last-Attempt-Date"],
            groups[1].Select(h => h.Field));
        Assert.Equal("rfc822; bob@example.com", groups[1]["Final-Recipient"]);
        Assert.Equal("failed", groups[1]["Action"]);
        Assert.Equal("5.1.1", groups[1]["Status"]);
        Assert.Equal("dns; mx.example.com", groups[1]["Remote-MTA"]);
        Assert.Equal("smtp; " + UnknownUser, Unfolded(groups[1], "Diagnostic-Code"));
        Assert.Equal(Attempt, DateUtils.TryParse(groups[1]["Last-Attempt-Date"], out var attempt) ? attempt : default);
    }

    [Fact]
    public void Two_recipients_one_failed_with_its_original_recipient_and_one_delayed_are_in_one_report()
    {
        var failed = Bounced() with { OriginalRecipient = "rfc822;bob@example.com" };
        var delayed = new DsnRecipient("carol@example.com", null, DsnAction.Delayed, "4.2.1", "mx.example.com",
            "451 4.2.1 Mailbox busy, try again later", Attempt, null);

        var bytes = DsnWriter.Write(Request(failed, delayed));
        var dsn = Read(bytes);

        Assert.Equal(DsnWriter.FailedSubject, dsn.Message.Subject);
        var groups = dsn.Status.StatusGroups;
        Assert.Equal(3, groups.Count);
        Assert.Equal("Original-Recipient", groups[1][0].Field);
        Assert.Equal("rfc822;bob@example.com", groups[1]["Original-Recipient"]);
        Assert.Equal("rfc822; bob@example.com", groups[1]["Final-Recipient"]);
        Assert.Equal("failed", groups[1]["Action"]);
        Assert.False(groups[2].Contains("Original-Recipient"));
        Assert.Equal("rfc822; carol@example.com", groups[2]["Final-Recipient"]);
        Assert.Equal("delayed", groups[2]["Action"]);
        Assert.Equal("4.2.1", groups[2]["Status"]);
        Assert.Equal("smtp; 451 4.2.1 Mailbox busy, try again later", Unfolded(groups[2], "Diagnostic-Code"));

        var text = dsn.Text.Text;
        var failedAt = text.IndexOf("could not be delivered", StringComparison.Ordinal);
        var delayedAt = text.IndexOf("has been delayed", StringComparison.Ordinal);
        Assert.True(failedAt >= 0 && delayedAt > failedAt);
        Assert.InRange(text.IndexOf("<bob@example.com>", StringComparison.Ordinal), failedAt, delayedAt);
        Assert.True(text.IndexOf("<carol@example.com>: host mx.example.com said: 451 4.2.1", StringComparison.Ordinal) > delayedAt);
        // Per-recipient blocks are separated by exactly one empty line.
        Assert.Contains("\r\n\r\nOriginal-Recipient: rfc822;bob@example.com\r\n", Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
        Assert.Contains("\r\n\r\nFinal-Recipient: rfc822; carol@example.com\r\n", Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
    }

    [Fact]
    public void An_expired_recipient_reports_4_4_7_with_the_reason_and_no_remote_fields()
    {
        const string reason = "the next hop 127.0.0.1:2526 did not accept the message within the queue lifetime of 5 days";
        var expired = new DsnRecipient("bob@example.com", null, DsnAction.Failed, "4.4.7", null, null, Attempt, reason);

        var dsn = Read(DsnWriter.Write(Request(expired)));

        Assert.Equal(DsnWriter.FailedSubject, dsn.Message.Subject);
        var recipient = dsn.Status.StatusGroups[1];
        Assert.Equal(["Final-Recipient", "Action", "Status", "Last-Attempt-Date"], recipient.Select(h => h.Field));
        Assert.Equal("failed", recipient["Action"]);
        Assert.Equal("4.4.7", recipient["Status"]);
        Assert.Contains("<bob@example.com>: " + reason + " (status 4.4.7)", Unwrapped(dsn.Text.Text), StringComparison.Ordinal);
    }

    [Fact]
    public void A_delay_only_report_says_so_in_its_subject()
    {
        var delayed = new DsnRecipient("bob@example.com", null, DsnAction.Delayed, "4.4.1", null, null, null,
            "the next hop 127.0.0.1:2526 refuses connections");
        var request = Request(delayed);

        var dsn = Read(DsnWriter.Write(request));

        Assert.Equal(DsnWriter.DelayedSubject, DsnWriter.Subject(request));
        Assert.Equal("Delivery Status Notification (Delay)", dsn.Message.Subject);
        Assert.Equal(["Final-Recipient", "Action", "Status"], dsn.Status.StatusGroups[1].Select(h => h.Field));
        Assert.Equal("delayed", dsn.Status.StatusGroups[1]["Action"]);
    }

    [Fact]
    public void A_success_report_says_delivered_with_2_0_0()
    {
        var delivered = new DsnRecipient("bob@example.com", null, DsnAction.Delivered, "2.0.0", "mx.example.com",
            "250 2.0.0 Ok: queued as 4BCD", Attempt, null);
        var request = Request(delivered);

        var dsn = Read(DsnWriter.Write(request));

        Assert.Equal("Successful Mail Delivery Report", dsn.Message.Subject);
        Assert.Equal(DsnWriter.SuccessSubject, DsnWriter.Subject(request));
        Assert.Equal("delivered", dsn.Status.StatusGroups[1]["Action"]);
        Assert.Equal("2.0.0", dsn.Status.StatusGroups[1]["Status"]);
        Assert.Contains("was delivered to the following recipients", dsn.Text.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DsnAction.Relayed, "relayed")]
    [InlineData(DsnAction.Expanded, "expanded")]
    public void Every_action_is_written_in_lower_case(DsnAction action, string word)
    {
        var recipient = new DsnRecipient("bob@example.com", null, action, "2.0.0", null, null, null, null);
        var request = Request(recipient);

        var dsn = Read(DsnWriter.Write(request));

        Assert.Equal(word, dsn.Status.StatusGroups[1]["Action"]);
        Assert.Equal(DsnWriter.SuccessSubject, DsnWriter.Subject(request));
        Assert.Contains($"<bob@example.com>: {word} (status 2.0.0)", dsn.Text.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Ret_full_attaches_the_whole_original_octet_for_octet()
    {
        var dsn = Read(DsnWriter.Write(Request(Bounced()) with { ReturnFullMessage = true }));

        var part = Assert.IsType<MessagePart>(dsn.Returned);
        Assert.True(part.ContentType.IsMimeType("message", "rfc822"));
        Assert.Null(part.Headers[HeaderId.ContentTransferEncoding]);
        Assert.Equal("Quarterly figures", part.Message?.Subject);
        Assert.Equal(Original, dsn.ReturnedContent);
        Assert.Contains("The original message is attached", dsn.Text.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Ret_hdrs_attaches_exactly_the_header_block()
    {
        var dsn = Read(DsnWriter.Write(Request(Bounced())));

        Assert.True(dsn.Returned.ContentType.IsMimeType("text", "rfc822-headers"));
        Assert.Equal(Encoding.ASCII.GetBytes(OriginalHeader), dsn.ReturnedContent);
        Assert.DoesNotContain("figures are attached", Encoding.ASCII.GetString(dsn.Bytes), StringComparison.Ordinal);
    }

    [Fact]
    public void An_original_without_an_empty_line_returns_all_of_it_as_its_header()
    {
        var headersOnly = Encoding.ASCII.GetBytes("From: alice@contoso.test\r\nSubject: no body\r\n");

        var dsn = Read(DsnWriter.Write(Request(Bounced()) with { OriginalMessage = headersOnly }));

        Assert.Equal(headersOnly, dsn.ReturnedContent);
    }

    [Fact]
    public void A_header_block_without_an_end_is_returned_up_to_64_KiB_in_whole_lines()
    {
        var endless = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 5000).Select(i => $"X-Filler-{i:D4}: some text\r\n")));

        var returned = Read(DsnWriter.Write(Request(Bounced()) with { OriginalMessage = endless })).ReturnedContent;

        Assert.InRange(returned.Length, 64 * 1024 - 100, 64 * 1024);
        Assert.True(returned.AsSpan().EndsWith("\r\n"u8));
        Assert.True(endless.AsSpan().StartsWith(returned));
    }

    [Fact]
    public void An_original_with_8bit_octets_is_returned_as_an_8bit_part()
    {
        var original = Encoding.UTF8.GetBytes(OriginalHeader + "Gr\u00fc\u00dfe, Bob\r\n");

        var dsn = Read(DsnWriter.Write(Request(Bounced()) with { OriginalMessage = original, ReturnFullMessage = true }));

        Assert.Equal("8bit", dsn.Returned.Headers[HeaderId.ContentTransferEncoding]);
        Assert.Equal("8bit", dsn.Report.Headers[HeaderId.ContentTransferEncoding]);
        Assert.Equal(original, dsn.ReturnedContent);
    }

    [Fact]
    public void Bare_line_feeds_in_the_original_are_written_as_crlf()
    {
        var original = Encoding.ASCII.GetBytes("Subject: bare\nFrom: a@b.test\r\n\nbody\rline\n");

        var dsn = Read(DsnWriter.Write(Request(Bounced()) with { OriginalMessage = original, ReturnFullMessage = true }));

        Assert.Equal(Encoding.ASCII.GetBytes("Subject: bare\r\nFrom: a@b.test\r\n\r\nbody\r\nline\r\n"), dsn.ReturnedContent);
    }

    [Fact]
    public void The_envelope_id_is_written_only_when_given()
    {
        var with = Read(DsnWriter.Write(Request(Bounced()) with { EnvelopeId = "QQ314159+2B1" }));
        var without = Read(DsnWriter.Write(Request(Bounced())));

        Assert.Equal(["Reporting-MTA", "Original-Envelope-Id", "Arrival-Date"], with.Status.StatusGroups[0].Select(h => h.Field));
        Assert.Equal("QQ314159+2B1", with.Status.StatusGroups[0]["Original-Envelope-Id"]);
        Assert.False(without.Status.StatusGroups[0].Contains("Original-Envelope-Id"));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void An_empty_envelope_sender_is_refused(string sender)
    {
        Assert.Throws<ArgumentException>(() => DsnWriter.Write(Request(Bounced()) with { EnvelopeSender = sender }));
    }

    [Theory]
    [InlineData("5.1")]
    [InlineData("550")]
    [InlineData("3.0.0")]
    [InlineData("5.1.1234")]
    public void A_status_that_is_not_an_RFC_3463_code_is_refused(string status)
    {
        Assert.Throws<ArgumentException>(() => DsnWriter.Write(Request(Bounced() with { Status = status })));
    }

    [Fact]
    public void No_recipients_is_refused()
    {
        Assert.Throws<ArgumentException>(() => DsnWriter.Write(Request()));
        Assert.Throws<ArgumentException>(() => DsnWriter.Subject(Request()));
    }

    [Fact]
    public void A_5000_character_reply_is_folded_under_998_octets_and_unfolds_to_itself()
    {
        var words = string.Join(' ', Enumerable.Range(0, 1000).Select(i => $"w{i:D4}"));
        var reply = ("550 5.7.1 " + words)[..5000];

        var dsn = Read(DsnWriter.Write(Request(Bounced() with { DiagnosticCode = reply })));

        Assert.Equal("smtp; " + reply, Unfolded(dsn.Status.StatusGroups[1], "Diagnostic-Code"));
        Assert.Contains(reply, Unwrapped(dsn.Text.Text), StringComparison.Ordinal);
    }

    [Fact]
    public void A_5000_character_reply_without_spaces_is_cut_under_998_octets()
    {
        var reply = "550-5.7.1_" + new string('x', 4990);

        var dsn = Read(DsnWriter.Write(Request(Bounced() with { DiagnosticCode = reply })));

        // A word too long for any line is cut, and each cut unfolds to a space: nothing is lost.
        var value = Unfolded(dsn.Status.StatusGroups[1], "Diagnostic-Code");
        Assert.StartsWith("smtp; ", value, StringComparison.Ordinal);
        Assert.Equal(reply, value["smtp; ".Length..].Replace(" ", "", StringComparison.Ordinal));
    }

    [Fact]
    public void A_multi_line_reply_cannot_break_out_of_its_field()
    {
        var dsn = Read(DsnWriter.Write(Request(Bounced() with { DiagnosticCode = "550-5.1.1 first line\r\n550 5.1.1 X-Injected: yes" })));

        Assert.Equal("smtp; 550-5.1.1 first line 550 5.1.1 X-Injected: yes", Unfolded(dsn.Status.StatusGroups[1], "Diagnostic-Code"));
        Assert.False(dsn.Status.StatusGroups[1].Contains("X-Injected"));
    }

    [Fact]
    public void A_utf8_recipient_gets_the_utf8_address_type()
    {
        var dsn = Read(DsnWriter.Write(Request(Bounced("b\u00f8b+tag@ex\u00e4mple.com"))));

        Assert.Equal("utf-8; b\\x{F8}b\\x{2B}tag@ex\\x{E4}mple.com", dsn.Status.StatusGroups[1]["Final-Recipient"]);
        Assert.Equal("utf-8", dsn.Text.ContentType.Charset);
        Assert.Equal(ContentEncoding.EightBit, dsn.Text.ContentTransferEncoding);
        Assert.Contains("<b\u00f8b+tag@ex\u00e4mple.com>", dsn.Text.Text, StringComparison.Ordinal);
        Assert.True(Ascii.IsValid(dsn.ContentOf(dsn.Status)));
    }

    [Fact]
    public void The_boundary_and_message_id_differ_between_two_reports_of_the_same_message()
    {
        var first = Read(DsnWriter.Write(Request(Bounced())));
        var second = Read(DsnWriter.Write(Request(Bounced())));

        Assert.NotEqual(first.Report.Boundary, second.Report.Boundary);
        Assert.NotEqual(first.Message.MessageId, second.Message.MessageId);
        Assert.StartsWith("=_01JD0000000000000000000000.", first.Report.Boundary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_given_message_id_local_part_is_the_dsn_message_id()
    {
        var dsn = Read(DsnWriter.Write(Request(Bounced()) with { MessageIdLocalPart = "01JDDSN0000000000000000000" }));

        Assert.Equal("01JDDSN0000000000000000000@smarthost.test", dsn.Message.MessageId);
        Assert.Throws<ArgumentException>(() => DsnWriter.Write(Request(Bounced()) with { MessageIdLocalPart = "a b" }));
    }

    /// <summary>A written DSN read back: its octets, its parts, and where each part's content lies in the octets.</summary>
    private sealed record Dsn(byte[] Bytes, MimeMessage Message, MultipartReport Report, TextPart Text, MessageDeliveryStatus Status,
        MimeEntity Returned, IReadOnlyDictionary<MimeEntity, (long Start, long End)> Contents)
    {
        /// <summary>The returned part's content exactly as written.</summary>
        public byte[] ReturnedContent => ContentOf(Returned);

        /// <summary>The octets between the end of a part's header and the CRLF before the next boundary.</summary>
        public byte[] ContentOf(MimeEntity entity) => Bytes[(int)Contents[entity].Start..(int)Contents[entity].End];
    }

    /// <summary>Checks the octets (CRLF only, no line over 998 octets) and parses them.</summary>
    private static Dsn Read(byte[] bytes)
    {
        AssertCrlfLines(bytes);
        var contents = new Dictionary<MimeEntity, (long, long)>();
        var parser = new MimeParser(new MemoryStream(bytes), MimeFormat.Entity);
        parser.MimeEntityEnd += (_, e) => contents[e.Entity] = (e.HeadersEndOffset, e.EndOffset);
        var message = parser.ParseMessage();
        var report = Assert.IsType<MultipartReport>(message.Body);
        var text = Assert.IsType<TextPart>(report[0]);
        Assert.True(text.ContentType.IsMimeType("text", "plain"));
        var status = Assert.IsType<MessageDeliveryStatus>(report[1]);
        return new Dsn(bytes, message, report, text, status, report[2], contents);
    }

    private static void AssertCrlfLines(byte[] bytes)
    {
        var lineStart = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\r')
                Assert.True(i + 1 < bytes.Length && bytes[i + 1] == (byte)'\n', $"bare CR at {i}");
            else if (bytes[i] == (byte)'\n')
            {
                Assert.True(i > 0 && bytes[i - 1] == (byte)'\r', $"bare LF at {i}");
                Assert.True(i - 1 - lineStart <= 998, $"line of {i - 1 - lineStart} octets at {lineStart}");
                lineStart = i + 1;
            }
        }
        Assert.True(bytes.Length - lineStart <= 998);
        Assert.True(bytes.AsSpan().EndsWith("\r\n"u8));
    }

    /// <summary>A status field's value with its folding (CRLF before white space) removed, RFC 5322 2.2.3.</summary>
    private static string Unfolded(HeaderList fields, string name)
    {
        var header = fields.First(h => h.Field == name);
        return Encoding.UTF8.GetString(header.RawValue).Replace("\r\n", "", StringComparison.Ordinal).Trim();
    }

    /// <summary>The text part with its wrapped lines joined again (a line break and its indent become one space).</summary>
    private static string Unwrapped(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, "\r?\n *", " ");
}
