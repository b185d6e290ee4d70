using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Tests.Support;

namespace SmarthostLab.Smtp.Tests;

/// <summary>
/// How the session treats the handler's own refusals: a 421 at connect closes; permanent MAIL/RCPT refusals count
/// against MaxBadCommands (until a message is accepted), temporary ones do not; a pipelined DATA after every
/// recipient was refused gets 554 no valid recipients.
/// </summary>
public sealed class HandlerRefusalTests
{
    [Fact]
    public async Task A_421_in_place_of_the_greeting_closes_the_connection()
    {
        var handler = new RecordingHandler { ConnectReply = new SmtpReply(421, "4.7.0", "too many connections, try again later") };
        await using var h = PipeHarness.Start(handler: handler);
        Assert.Equal("421 4.7.0 too many connections, try again later", await h.ReadReplyAsync());
        Assert.True(await h.IsClosedAsync());
    }

    [Fact]
    public async Task Pipelined_DATA_after_every_recipient_was_refused_gets_554_and_the_session_goes_on()
    {
        var handler = new RecordingHandler { RecipientReply = r => r.StartsWith("bad", StringComparison.Ordinal) ? new SmtpReply(451, "4.7.1", "greylisted") : null };
        await using var h = await PipeHarness.StartWithEhloAsync(handler: handler);
        await h.SendAsync("MAIL FROM:<a@contoso.test>\r\nRCPT TO:<bad1@example.com>\r\nRCPT TO:<bad2@example.com>\r\nDATA\r\n");
        Assert.Equal(["250 2.1.0 Sender OK", "451 4.7.1 greylisted", "451 4.7.1 greylisted", "554 5.5.1 No valid recipients"], await h.ReadRepliesAsync(4));
        Assert.Empty(handler.Refusals); // the RCPT refusals are the handler's to record; the 554 follows from them
        await h.SendAsync("RSET\r\nMAIL FROM:<a@contoso.test>\r\nRCPT TO:<good@example.com>\r\nDATA\r\n");
        Assert.Equal(["250 2.0.0 OK", "250 2.1.0 Sender OK", "250 2.1.5 Recipient OK", "354 Start mail input; end with <CRLF>.<CRLF>"], await h.ReadRepliesAsync(4));
    }

    [Fact]
    public async Task Permanent_recipient_refusals_count_as_bad_commands_and_an_accepted_message_starts_the_count_again()
    {
        var options = PipeHarness.DefaultOptions();
        options.MaxBadCommands = 3;
        var handler = new RecordingHandler { RecipientReply = r => r.StartsWith("denied", StringComparison.Ordinal) ? new SmtpReply(550, "5.7.1", "relaying denied") : null };
        await using var h = await PipeHarness.StartWithEhloAsync(options, handler);
        await h.SendAsync("MAIL FROM:<a@contoso.test>\r\nRCPT TO:<denied1@example.com>\r\nRCPT TO:<denied2@example.com>\r\nRCPT TO:<ok@example.com>\r\nDATA\r\n");
        Assert.Equal("354", (await h.ReadRepliesAsync(5))[4][..3]);
        await h.SendAsync("body\r\n.\r\n");
        Assert.StartsWith("250", await h.ReadReplyAsync());
        // Three more permanent refusals are allowed after the message; the fourth closes.
        await h.SendAsync("MAIL FROM:<a@contoso.test>\r\n" + string.Concat(Enumerable.Range(0, 4).Select(i => $"RCPT TO:<denied{i}@example.com>\r\n")));
        var replies = await h.ReadRepliesAsync(5);
        Assert.Equal(["550 5.7.1 relaying denied", "550 5.7.1 relaying denied", "550 5.7.1 relaying denied"], replies[1..4]);
        Assert.Equal("421 4.7.0 relay.test too many bad commands, closing connection", replies[4]);
        Assert.True(await h.IsClosedAsync());
    }

    [Fact]
    public async Task Temporary_recipient_refusals_do_not_count_as_bad_commands()
    {
        var options = PipeHarness.DefaultOptions();
        options.MaxBadCommands = 2;
        var handler = new RecordingHandler { RecipientReply = _ => new SmtpReply(451, "4.7.1", "rate limited") };
        await using var h = await PipeHarness.StartWithEhloAsync(options, handler);
        await h.SendAsync("MAIL FROM:<a@contoso.test>\r\n" + string.Concat(Enumerable.Range(0, 10).Select(i => $"RCPT TO:<r{i}@example.com>\r\n")) + "QUIT\r\n");
        var replies = await h.ReadRepliesAsync(12);
        Assert.All(replies[1..11], r => Assert.Equal("451 4.7.1 rate limited", r));
        Assert.StartsWith("221", replies[11]);
    }
}

/// <summary>Issue 16, defect 2 (the flood finding of docs/RELIABILITY.md): refused clients never take the general pool's slots.</summary>
public sealed class RefusedClientCountingTests
{
    private static readonly System.Net.IPAddress Refused = System.Net.IPAddress.Parse("127.0.0.3");

    [Fact]
    public async Task Clients_the_handler_will_refuse_are_counted_in_the_refused_budget_from_arrival_so_admitted_ones_get_the_pool()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new RecordingHandler
        {
            RefusesAtConnectFor = ip => ip.Equals(Refused),
            ConnectReplyFor = s => s.RemoteIp.Equals(Refused) ? new SmtpReply(554, "5.7.1", "not registered") : null,
            // The refused clients are held before their refusal, as under a flood: arrived, not yet answered.
            BeforeConnect = s => s.RemoteIp.Equals(Refused) ? gate.Task : Task.CompletedTask,
        };
        await using var host = await SmtpTestHost.StartAsync(o =>
        {
            o.MaxConnections = 2;
            o.MaxRefusedConnections = 3;
            o.RefusedSessionTimeout = TimeSpan.FromMinutes(1);
        }, handler: handler);
        var server = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, host.Port);
        var held = new List<SmarthostLab.Tests.Support.RawSmtpClient>();
        try
        {
            for (var i = 0; i < 12; i++) held.Add(await SmarthostLab.Tests.Support.RawSmtpClient.ConnectAsync(server, Refused));
            for (var waited = 0; handler.Sessions.Count < 12 && waited < 100; waited++) await Task.Delay(50);
            Assert.Equal(12, handler.Sessions.Count);
            Assert.Equal(3, host.Limiter.RefusedConnections);

            // Twelve refused clients are waiting for their answer; both general slots are free.
            await using var first = await SmarthostLab.Tests.Support.RawSmtpClient.ConnectAsync(server, System.Net.IPAddress.Loopback);
            Assert.StartsWith("220 ", await first.ReadReplyAsync());
            await using var second = await SmarthostLab.Tests.Support.RawSmtpClient.ConnectAsync(server, System.Net.IPAddress.Loopback);
            Assert.StartsWith("220 ", await second.ReadReplyAsync());

            gate.SetResult();
            for (var i = 0; i < held.Count; i++)
            {
                Assert.Equal("554 5.7.1 not registered", await held[i].ReadReplyAsync());
            }
        }
        finally
        {
            foreach (var client in held) await client.DisposeAsync();
        }
    }
}
