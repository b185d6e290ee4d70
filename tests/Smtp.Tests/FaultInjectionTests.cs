using System.Text;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Session;
using SmarthostLab.Smtp.Tests.Support;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Smtp.Tests;

/// <summary>
/// Issue 14: the stage hook <see cref="ISmtpSessionHandler.OnStageAsync"/> and each action of an <see cref="SmtpFault"/>,
/// driven over in-memory pipes; a fake clock where time matters (delays, tarpit).
/// </summary>
public sealed class FaultInjectionTests
{
    private static SmtpFault Refuse(int code, string enhanced, string text) => new() { Rule = "test", Reply = new SmtpReply(code, enhanced, text) };

    private static async Task<string> CommandAsync(PipeHarness h, string line)
    {
        await h.SendAsync(line + "\r\n");
        return await h.ReadReplyAsync();
    }

    private static RecordingHandler FaultAt(SmtpStage stage, SmtpFault fault) => new() { Fault = (s, _) => s == stage ? fault : null };

    private static async Task<PipeHarness> InTransactionAsync(RecordingHandler handler, TimeProvider? time = null)
    {
        var h = PipeHarness.Start(handler: handler, time: time);
        Assert.StartsWith("220 ", await h.ReadReplyAsync());
        await h.SendAsync("EHLO client.test\r\nMAIL FROM:<alice@contoso.test>\r\nRCPT TO:<bob@example.com>\r\n");
        Assert.StartsWith("250-relay.test", (await h.ReadRepliesAsync(3))[0]);
        return h;
    }

    [Fact]
    public async Task Every_stage_is_asked_in_order_with_what_the_session_knows_there()
    {
        var recipientsAtRcpt = -1;
        var handler = new RecordingHandler
        {
            Fault = (stage, input) =>
            {
                if (stage == SmtpStage.Rcpt && recipientsAtRcpt < 0) recipientsAtRcpt = input.Envelope!.Recipients.Count;
                return null;
            },
        };
        await using var h = PipeHarness.Start(handler: handler);
        await h.ReadReplyAsync();
        await h.SendAsync("EHLO client.test\r\nMAIL FROM:<alice@contoso.test>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n");
        await h.ReadRepliesAsync(4);
        await h.SendAsync("Subject: one\r\n\r\nHi.\r\n.\r\n");
        Assert.StartsWith("250 ", await h.ReadReplyAsync());
        await h.SendAsync("MAIL FROM:<>\r\nRCPT TO:<carol@example.com>\r\nBDAT 5\r\nHello");
        await h.ReadRepliesAsync(3);
        await h.SendAsync("BDAT 2 LAST\r\n!!");
        Assert.StartsWith("250 ", await h.ReadReplyAsync());

        var stages = handler.Stages.ToArray();
        Assert.Equal([SmtpStage.Connect, SmtpStage.Helo, SmtpStage.Mail, SmtpStage.Rcpt, SmtpStage.Data, SmtpStage.EndOfData,
            SmtpStage.Mail, SmtpStage.Rcpt, SmtpStage.Bdat, SmtpStage.Bdat, SmtpStage.EndOfData], stages.Select(s => s.Stage));
        Assert.Equal("client.test", stages[1].Input.Argument);
        Assert.Equal("alice@contoso.test", stages[2].Input.Argument);
        Assert.Equal("bob@example.com", stages[3].Input.Recipient);
        Assert.Equal(0, recipientsAtRcpt); // asked before the recipient is added
        Assert.Equal("", stages[6].Input.Argument);
        Assert.Null(stages[10].Input.Argument);
        Assert.Equal(2, handler.Messages.Count);
    }

    [Fact]
    public async Task The_content_is_there_at_end_of_data_so_a_rule_can_read_its_header()
    {
        string? seen = null;
        var handler = new RecordingHandler
        {
            Fault = (stage, input) =>
            {
                if (stage != SmtpStage.EndOfData) return null;
                seen = Encoding.UTF8.GetString(input.Content!.ToArray());
                return seen.Contains("Subject: FAIL", StringComparison.Ordinal) ? Refuse(554, "5.7.1", "refused by a test rule") : null;
            },
        };
        await using var h = await InTransactionAsync(handler);
        await h.SendAsync("DATA\r\n");
        Assert.StartsWith("354", await h.ReadReplyAsync());
        await h.SendAsync("Subject: FAIL now\r\n\r\n..dot\r\n.\r\n");
        Assert.Equal("554 5.7.1 refused by a test rule", await h.ReadReplyAsync());
        Assert.Equal("Subject: FAIL now\r\n\r\n.dot\r\n", seen);
        Assert.Empty(handler.Messages);

        // The transaction ended with the refusal: a new one goes through.
        await h.SendAsync("MAIL FROM:<alice@contoso.test>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\nSubject: fine\r\n\r\nok\r\n.\r\n");
        var replies = await h.ReadRepliesAsync(4);
        Assert.Equal("250 2.0.0 Queued as TEST", replies[3]);
        Assert.Single(handler.Messages);
    }

    [Fact]
    public async Task A_451_at_RCPT_adds_no_recipient_and_the_next_RCPT_is_asked_again()
    {
        var handler = new RecordingHandler
        {
            Fault = (stage, input) => stage == SmtpStage.Rcpt && input.Recipient == "first@example.com"
                ? Refuse(451, "4.7.1", "Try again later\nsecond line of the reason") : null,
        };
        await using var h = PipeHarness.Start(handler: handler);
        await h.ReadReplyAsync();
        await h.SendAsync("EHLO client.test\r\nMAIL FROM:<alice@contoso.test>\r\nRCPT TO:<first@example.com>\r\nRCPT TO:<second@example.com>\r\nDATA\r\n");
        var replies = await h.ReadRepliesAsync(5);
        Assert.Equal("451-4.7.1 Try again later\n451 4.7.1 second line of the reason", replies[2]);
        Assert.StartsWith("250 2.1.5", replies[3]);
        Assert.StartsWith("354", replies[4]);
        await h.SendAsync("Subject: x\r\n\r\nx\r\n.\r\n");
        Assert.StartsWith("250 ", await h.ReadReplyAsync());
        Assert.Equal(["second@example.com"], Assert.Single(handler.Messages).Recipients);
        Assert.Empty(handler.Refusals); // the handler records its own faults
    }

    [Theory]
    [InlineData(550, "550 5.7.1 no", "421 4.7.0 relay.test too many bad commands, closing connection")]
    [InlineData(451, "451 4.7.1 no", "451 4.7.1 no")]
    public async Task A_5xx_fault_at_RCPT_counts_against_the_bad_command_limit_as_the_handler_s_own_and_a_4xx_does_not(int code, string reply, string third)
    {
        var options = PipeHarness.DefaultOptions();
        options.MaxBadCommands = 2;
        var handler = FaultAt(SmtpStage.Rcpt, Refuse(code, code == 550 ? "5.7.1" : "4.7.1", "no"));
        await using var h = PipeHarness.Start(options, handler);
        await h.ReadReplyAsync();
        await h.SendAsync("EHLO client.test\r\nMAIL FROM:<alice@contoso.test>\r\nRCPT TO:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<c@example.com>\r\n");
        var replies = await h.ReadRepliesAsync(5);
        Assert.Equal([reply, reply, third], replies[2..]);
    }

    [Fact]
    public async Task A_refused_MAIL_starts_no_transaction()
    {
        await using var h = PipeHarness.Start(handler: FaultAt(SmtpStage.Mail, Refuse(550, "5.7.1", "no mail today")));
        await h.ReadReplyAsync();
        await h.SendAsync("EHLO client.test\r\nMAIL FROM:<alice@contoso.test>\r\nRCPT TO:<bob@example.com>\r\n");
        var replies = await h.ReadRepliesAsync(3);
        Assert.Equal("550 5.7.1 no mail today", replies[1]);
        Assert.Equal("503 5.5.1 Bad sequence of commands", replies[2]);
    }

    [Fact]
    public async Task A_refused_EHLO_keeps_the_session_unnamed()
    {
        var handler = FaultAt(SmtpStage.Helo, Refuse(550, "5.7.1", "go away"));
        await using var h = PipeHarness.Start(handler: handler);
        await h.ReadReplyAsync();
        Assert.Equal("550 5.7.1 go away", await CommandAsync(h, "EHLO client.test"));
        Assert.Null(h.Context.Helo);
        Assert.Equal("503 5.5.1 Bad sequence of commands", await CommandAsync(h, "MAIL FROM:<a@contoso.test>"));
    }

    [Fact]
    public async Task A_multi_line_554_at_connect_opens_a_refused_session_that_only_takes_QUIT()
    {
        await using var h = PipeHarness.Start(handler: FaultAt(SmtpStage.Connect, Refuse(554, "5.7.1", "relay.test is closed for maintenance\nplease use another smarthost")));
        Assert.Equal("554-5.7.1 relay.test is closed for maintenance\n554 5.7.1 please use another smarthost", await h.ReadReplyAsync());
        Assert.True(h.Context.Refused);
        await h.SendAsync("EHLO client.test\r\nQUIT\r\n");
        Assert.Equal(["503 5.7.1 Session refused; only QUIT is accepted", "221 2.0.0 relay.test closing connection"], await h.ReadRepliesAsync(2));
        Assert.True(await h.IsClosedAsync());
    }

    [Fact]
    public async Task A_421_at_connect_is_sent_and_the_connection_closed()
    {
        await using var h = PipeHarness.Start(handler: FaultAt(SmtpStage.Connect, Refuse(421, "4.3.2", "relay.test not accepting mail now")));
        Assert.Equal("421 4.3.2 relay.test not accepting mail now", await h.ReadReplyAsync());
        Assert.True(await h.IsClosedAsync());
    }

    [Fact]
    public async Task A_421_at_RCPT_closes_after_the_reply()
    {
        await using var h = PipeHarness.Start(handler: FaultAt(SmtpStage.Rcpt, Refuse(421, "4.7.0", "too busy, closing")));
        await h.ReadReplyAsync();
        await h.SendAsync("EHLO client.test\r\nMAIL FROM:<alice@contoso.test>\r\nRCPT TO:<bob@example.com>\r\nNOOP\r\n");
        var replies = await h.ReadRepliesAsync(3);
        Assert.Equal("421 4.7.0 too busy, closing", replies[2]);
        Assert.True(await h.IsClosedAsync());
    }

    [Fact]
    public async Task Close_without_reply_at_connect_sends_nothing()
    {
        await using var h = PipeHarness.Start(handler: FaultAt(SmtpStage.Connect, new SmtpFault { Rule = "drop", Close = true }));
        Assert.True(await h.IsClosedAsync());
        Assert.Contains("<connection closed without a greeting (fault drop)>", h.Context.Transcript.ToString());
    }

    [Fact]
    public async Task Close_without_reply_at_DATA_drops_the_line_before_the_354()
    {
        var handler = FaultAt(SmtpStage.Data, new SmtpFault { Rule = "drop", Close = true });
        await using var h = await InTransactionAsync(handler);
        await h.SendAsync("DATA\r\n");
        Assert.True(await h.IsClosedAsync());
        Assert.Empty(handler.Messages);
    }

    [Fact]
    public async Task Close_after_N_octets_in_DATA_reads_them_after_the_354_then_drops_the_line_and_stores_nothing()
    {
        var handler = FaultAt(SmtpStage.Data, new SmtpFault { Rule = "mid", CloseAfterOctets = 20 });
        await using var h = await InTransactionAsync(handler);
        await h.SendAsync("DATA\r\n");
        Assert.StartsWith("354", await h.ReadReplyAsync());
        await h.SendAsync("Subject: cut\r\n\r\n" + new string('x', 200) + "\r\n.\r\n");
        Assert.True(await h.IsClosedAsync());
        Assert.Empty(handler.Messages);
        var transcript = h.Context.Transcript.ToString();
        Assert.Contains("<20 octets of message data>", transcript);
        Assert.Contains("<connection closed in the middle of the data (fault mid)>", transcript);
        Assert.DoesNotContain(handler.Stages, s => s.Stage == SmtpStage.EndOfData);
    }

    [Fact]
    public async Task Close_after_more_octets_than_the_message_drops_the_line_at_its_end_without_a_reply()
    {
        var handler = FaultAt(SmtpStage.Data, new SmtpFault { Rule = "mid", CloseAfterOctets = 100_000 });
        await using var h = await InTransactionAsync(handler);
        await h.SendAsync("DATA\r\n");
        Assert.StartsWith("354", await h.ReadReplyAsync());
        await h.SendAsync("Subject: short\r\n\r\nshort\r\n.\r\n");
        Assert.True(await h.IsClosedAsync());
        Assert.Empty(handler.Messages);
    }

    [Fact]
    public async Task Close_after_N_octets_of_a_BDAT_chunk_drops_the_line_and_stores_nothing()
    {
        var handler = FaultAt(SmtpStage.Bdat, new SmtpFault { Rule = "mid", CloseAfterOctets = 40 });
        await using var h = await InTransactionAsync(handler);
        await h.SendAsync("BDAT 100 LAST\r\n" + new string('y', 100));
        Assert.True(await h.IsClosedAsync());
        Assert.Empty(handler.Messages);
        Assert.Contains("<40 octets of message data>", h.Context.Transcript.ToString());
    }

    [Fact]
    public async Task A_refused_BDAT_chunk_is_read_to_its_end_and_the_next_command_stays_in_step()
    {
        var handler = FaultAt(SmtpStage.Bdat, Refuse(452, "4.3.1", "no room for chunks"));
        await using var h = await InTransactionAsync(handler);
        await h.SendAsync("BDAT 12\r\nRSET\r\nNOOP\r\nNOOP\r\n");
        Assert.Equal("452 4.3.1 no room for chunks", await h.ReadReplyAsync());
        Assert.Equal("250 2.0.0 OK", await h.ReadReplyAsync());
        Assert.Empty(handler.Messages);
    }

    [Fact]
    public async Task STARTTLS_refused_by_a_fault_stays_in_plain_text()
    {
        using var certificate = TestCertificates.SelfSigned();
        var handler = FaultAt(SmtpStage.StartTls, Refuse(454, "4.7.0", "TLS not available due to temporary reason"));
        await using var h = PipeHarness.Start(handler: handler, certificate: certificate);
        await h.ReadReplyAsync();
        Assert.Contains("STARTTLS", await CommandAsync(h, "EHLO client.test"));
        Assert.Equal("454 4.7.0 TLS not available due to temporary reason", await CommandAsync(h, "STARTTLS"));
        Assert.StartsWith("250 ", await CommandAsync(h, "MAIL FROM:<alice@contoso.test>"));
    }

    [Fact]
    public async Task A_handler_that_throws_at_a_stage_leaves_the_stage_as_without_a_fault()
    {
        var handler = new RecordingHandler { Fault = (stage, _) => stage == SmtpStage.Mail ? throw new InvalidOperationException("boom") : null };
        await using var h = PipeHarness.Start(handler: handler);
        await h.ReadReplyAsync();
        await h.SendAsync("EHLO client.test\r\nMAIL FROM:<alice@contoso.test>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\nSubject: x\r\n\r\nx\r\n.\r\n");
        var replies = await h.ReadRepliesAsync(5);
        Assert.Equal("250 2.1.0 Sender OK", replies[1]);
        Assert.StartsWith("250 2.0.0 Queued", replies[4]);
    }

    [Fact]
    public async Task A_delay_holds_the_reply_until_the_clock_has_moved_by_it()
    {
        var time = new WatchedTimeProvider();
        var handler = FaultAt(SmtpStage.Rcpt, new SmtpFault { Rule = "slow", Delay = TimeSpan.FromSeconds(30), Reply = new SmtpReply(451, "4.7.1", "later") });
        await using var h = PipeHarness.Start(handler: handler, time: time);
        await h.ReadReplyAsync();
        await h.SendAsync("EHLO client.test\r\nMAIL FROM:<alice@contoso.test>\r\nRCPT TO:<bob@example.com>\r\n");
        await h.ReadRepliesAsync(2);

        Assert.Equal(TimeSpan.FromSeconds(30), await time.NextTimerAsync());
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal("", h.ReadAvailable());
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("451 4.7.1 later", await h.ReadReplyAsync());
    }

    [Fact]
    public async Task A_stopping_host_cuts_a_delay_short_then_the_session_says_421()
    {
        var time = new WatchedTimeProvider();
        var handler = FaultAt(SmtpStage.Mail, new SmtpFault { Rule = "slow", Delay = TimeSpan.FromMinutes(10) });
        await using var h = PipeHarness.Start(handler: handler, time: time);
        await h.ReadReplyAsync();
        await h.SendAsync("EHLO client.test\r\nMAIL FROM:<alice@contoso.test>\r\n");
        await h.ReadReplyAsync();
        Assert.Equal(TimeSpan.FromMinutes(10), await time.NextTimerAsync());

        h.Stop();
        Assert.Equal("250 2.1.0 Sender OK", await h.ReadReplyAsync());
        Assert.Equal("421 4.3.2 relay.test service shutting down", await h.ReadReplyAsync());
        Assert.True(await h.IsClosedAsync());
    }

    [Fact]
    public async Task A_stopping_Kestrel_host_cuts_a_session_out_of_its_fault_delay_and_says_421()
    {
        var handler = FaultAt(SmtpStage.Mail, new SmtpFault { Rule = "slow", Delay = TimeSpan.FromMinutes(10) });
        var host = await SmtpTestHost.StartAsync(handler: handler);
        try
        {
            await using var client = await RawSmtpClient.ConnectAsync(host.Port);
            Assert.StartsWith("220 ", await client.ReadReplyAsync());
            Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"));
            await client.SendAsync("MAIL FROM:<alice@contoso.test>\r\n");
            for (var i = 0; i < 500 && !handler.Stages.Any(s => s.Stage == SmtpStage.Mail); i++) await Task.Delay(20);

            // The delay is 10 minutes and the host's shutdown timeout 30 s: had the delay held, the host would abort the
            // connection and no reply would come.
            var stop = host.StopAsync();
            Assert.Equal("250 2.1.0 Sender OK", await client.ReadReplyAsync());
            Assert.Equal("421 4.3.2 relay.test service shutting down", await client.ReadReplyAsync());
            await stop;
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_delay_longer_than_the_maximum_is_cut_to_it()
    {
        var time = new WatchedTimeProvider();
        await using var h = PipeHarness.Start(handler: FaultAt(SmtpStage.Connect, new SmtpFault { Rule = "slow", Delay = TimeSpan.FromDays(1) }), time: time);
        Assert.Equal(SmtpFault.MaxDelay, await time.NextTimerAsync());
        time.Advance(SmtpFault.MaxDelay);
        Assert.StartsWith("220 ", await h.ReadReplyAsync());
    }

    [Fact]
    public async Task A_tarpit_writes_the_reply_a_few_octets_per_tick_and_the_next_reply_only_after_it()
    {
        var time = new WatchedTimeProvider();
        // 20 octets a second: pieces of 2 octets every 100 ms.
        var handler = FaultAt(SmtpStage.Rcpt, new SmtpFault { Rule = "tarpit", TarpitOctetsPerSecond = 20, Reply = new SmtpReply(452, "4.3.1", "slow") });
        await using var h = PipeHarness.Start(handler: handler, time: time);
        await h.ReadReplyAsync();
        await h.SendAsync("EHLO client.test\r\nMAIL FROM:<alice@contoso.test>\r\n");
        await h.ReadRepliesAsync(2);
        await h.SendAsync("RCPT TO:<bob@example.com>\r\nNOOP\r\n"); // pipelined: NOOP's reply must wait for the slow one

        const string expected = "452 4.3.1 slow\r\n"; // 16 octets: 8 pieces
        var received = new StringBuilder();
        for (var piece = 1; piece < 8; piece++)
        {
            Assert.Equal(TimeSpan.FromMilliseconds(100), await time.NextTimerAsync());
            received.Append(h.ReadAvailable());
            Assert.Equal(expected[..(2 * piece)], received.ToString());
            time.Advance(TimeSpan.FromMilliseconds(100));
        }
        Assert.Equal("", await h.ReadLineAsync()); // the last piece: the line's end
        Assert.Equal("250 2.0.0 OK", await h.ReadReplyAsync());
        Assert.Contains("S: 452 4.3.1 slow", h.Context.Transcript.ToString());
    }

    [Fact]
    public async Task A_tarpit_slows_the_normal_reply_when_the_fault_gives_none()
    {
        var time = new WatchedTimeProvider();
        await using var h = PipeHarness.Start(handler: FaultAt(SmtpStage.Connect, new SmtpFault { Rule = "tarpit", TarpitOctetsPerSecond = 1 }), time: time);
        Assert.Equal(TimeSpan.FromSeconds(1), await time.NextTimerAsync());
        Assert.Equal("2", h.ReadAvailable());
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(1), await time.NextTimerAsync());
        Assert.Equal("2", h.ReadAvailable());

        // A stopping host does not wait for the tarpit: the rest at once, then 421.
        h.Stop();
        Assert.Equal("0 relay.test ESMTP SmarthostLab ready", await h.ReadLineAsync());
        Assert.Equal("421 4.3.2 relay.test service shutting down", await h.ReadReplyAsync());
    }

    [Fact]
    public async Task A_tarpitted_554_at_connect_does_not_outlive_the_refused_session_deadline()
    {
        var time = new WatchedTimeProvider();
        var options = PipeHarness.DefaultOptions();
        options.RefusedSessionTimeout = TimeSpan.FromSeconds(5);
        var fault = new SmtpFault { Rule = "tarpit", TarpitOctetsPerSecond = 1, Reply = new SmtpReply(554, "5.7.1", "no service here, and slowly said") };
        await using var h = PipeHarness.Start(options, FaultAt(SmtpStage.Connect, fault), time: time);
        Assert.Equal(TimeSpan.FromSeconds(1), await time.NextTimerAsync());
        Assert.Equal("5", h.ReadAvailable());

        time.Advance(TimeSpan.FromSeconds(5)); // the refused session's whole life: the rest at once, then closed
        Assert.Equal("54 5.7.1 no service here, and slowly said", await h.ReadLineAsync());
        Assert.True(await h.IsClosedAsync());
    }
}
