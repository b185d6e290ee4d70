using System.Buffers;
using System.Net;
using System.Text;
using SmarthostLab.Smtp.Client;
using SmarthostLab.Smtp.Tests.Support;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Smtp.Tests.Client;

/// <summary>The client against a scripted server over loopback: what arrives, and which reply comes back for what.</summary>
public sealed class SmtpClientDeliveryTests
{
    private static readonly IReadOnlyList<string> WithoutChunking = ["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"];

    private const string Awkward = "Subject: dots\r\n\r\n.leading dot\r\n.\r\n..two\r\nmiddle . dot\r\nno final line end";

    [Fact]
    public async Task DATA_delivers_the_content_byte_for_byte()
    {
        await using var server = ScriptedSmtpServer.Start(new() { Capabilities = WithoutChunking });
        await using var client = await ClientScenario.ConnectAsync(server);

        var result = await client.SendAsync(ClientScenario.Message(Awkward, "bob@example.com"), ClientScenario.Timeout());

        Assert.Equal("250 2.0.0 Ok: queued as 1", result.DataReply?.ToString());
        Assert.Equal("2.0.0", result.DataReply!.EnhancedCode);
        var received = Assert.Single(server.Transactions);
        Assert.False(received.UsedBdat);
        Assert.Equal(Awkward + "\r\n", received.ContentText); // only the missing final CRLF is added
        Assert.Equal(
            "Subject: dots\r\n\r\n..leading dot\r\n..\r\n...two\r\nmiddle . dot\r\nno final line end\r\n.\r\n",
            Encoding.ASCII.GetString(received.WireContent));
        await client.QuitAsync(ClientScenario.Timeout());
        Assert.Equal(["EHLO", "MAIL", "RCPT", "DATA", "QUIT"], server.Connections[0].Verbs);
    }

    [Fact]
    public async Task DATA_streams_a_large_multi_segment_message_exactly()
    {
        await using var server = ScriptedSmtpServer.Start(new() { Capabilities = WithoutChunking });
        await using var client = await ClientScenario.ConnectAsync(server);
        var content = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 20_000).Select(i => i % 7 == 0 ? $".line {i}\r\n" : $"line {i}\r\n")));

        var result = await client.SendAsync(ClientScenario.Message(content, "bob@example.com") with { Content = Segments(content, 1000) }, ClientScenario.Timeout());

        Assert.Equal(250, result.DataReply?.Code);
        Assert.Equal(content, Assert.Single(server.Transactions).Content);
    }

    [Fact]
    public async Task BDAT_delivers_the_content_verbatim_when_CHUNKING_is_offered()
    {
        await using var server = ScriptedSmtpServer.Start();
        await using var client = await ClientScenario.ConnectAsync(server);
        var content = new byte[100_000];
        new Random(7).NextBytes(content);

        var result = await client.SendAsync(ClientScenario.Message(content, "bob@example.com") with { Content = Segments(content, 4096) }, ClientScenario.Timeout());

        Assert.Equal(250, result.DataReply?.Code);
        var received = Assert.Single(server.Transactions);
        Assert.True(received.UsedBdat);
        Assert.Equal(content, received.Content);
        Assert.Equal($"BDAT {content.Length} LAST", server.Connections[0].Commands.Single(c => c.Verb == "BDAT").Line);
        Assert.DoesNotContain("DATA", server.Connections[0].Verbs);
    }

    [Fact]
    public async Task BDAT_sends_an_empty_message_and_awkward_dots_untouched()
    {
        await using var server = ScriptedSmtpServer.Start();
        await using var client = await ClientScenario.ConnectAsync(server);

        await client.SendAsync(ClientScenario.Message(Awkward, "bob@example.com"), ClientScenario.Timeout());
        await client.SendAsync(ClientScenario.Message("", "bob@example.com"), ClientScenario.Timeout());

        Assert.Equal(Awkward, server.Transactions[0].ContentText);
        Assert.Empty(server.Transactions[1].Content);
        Assert.Equal("BDAT 0 LAST", server.Connections[0].Commands.Last(c => c.Verb == "BDAT").Line);
    }

    [Fact]
    public async Task With_PIPELINING_MAIL_and_every_RCPT_go_in_one_write_and_replies_stay_in_order()
    {
        await using var server = ScriptedSmtpServer.Start(new()
        {
            Reply = c => c.Verb == "RCPT" && c.Address == "gone@example.com" ? "550 5.1.1 <gone@example.com>: user unknown" : null,
        });
        await using var client = await ClientScenario.ConnectAsync(server);
        var transaction = new OutboundTransaction("alice@contoso.test", ["SIZE=10", "BODY=8BITMIME"],
            [new("a@example.com", ["NOTIFY=FAILURE", "ORCPT=rfc822;a@example.com"]), new("gone@example.com", []), new("c@example.com", [])],
            new ReadOnlySequence<byte>("x\r\n"u8.ToArray()));

        var result = await client.SendAsync(transaction, ClientScenario.Timeout());

        Assert.Equal(["250 2.1.5 Ok", "550 5.1.1 <gone@example.com>: user unknown", "250 2.1.5 Ok"], result.RecipientReplies.Select(r => r!.ToString()));
        Assert.True(result.RecipientReplies[1]!.IsPermanent);
        Assert.Equal("5.1.1", result.RecipientReplies[1]!.EnhancedCode);
        Assert.Equal(250, result.DataReply?.Code);
        var envelope = server.Connections[0].Commands.Where(c => c.Verb is "MAIL" or "RCPT").ToList();
        Assert.Single(envelope.Select(c => c.ReadNumber).Distinct()); // arrived together
        Assert.Equal("MAIL FROM:<alice@contoso.test> SIZE=10 BODY=8BITMIME", envelope[0].Line);
        Assert.Equal("RCPT TO:<a@example.com> NOTIFY=FAILURE ORCPT=rfc822;a@example.com", envelope[1].Line);
        Assert.Equal(["a@example.com", "c@example.com"], server.Transactions[0].AcceptedRecipients);
    }

    [Fact]
    public async Task Without_PIPELINING_each_command_waits_for_its_reply()
    {
        await using var server = ScriptedSmtpServer.Start(new()
        {
            Capabilities = ["8BITMIME"],
            Reply = c => c.Verb == "RCPT" && c.Address == "gone@example.com" ? "550 5.1.1 no" : null,
        });
        await using var client = await ClientScenario.ConnectAsync(server);

        var result = await client.SendAsync(ClientScenario.Message("x\r\n", "a@example.com", "gone@example.com", "c@example.com"), ClientScenario.Timeout());

        Assert.Equal([250, 550, 250], result.RecipientReplies.Select(r => r!.Code));
        Assert.Equal(250, result.DataReply?.Code);
        var envelope = server.Connections[0].Commands.Where(c => c.Verb is "MAIL" or "RCPT" or "DATA").ToList();
        Assert.Equal(envelope.Count, envelope.Select(c => c.ReadNumber).Distinct().Count()); // one read each
    }

    [Fact]
    public async Task A_refused_MAIL_FROM_stops_the_transaction_and_RSET_follows()
    {
        await using var server = ScriptedSmtpServer.Start(new()
        {
            Capabilities = ["ENHANCEDSTATUSCODES"],
            Reply = c => c.Verb == "MAIL" ? "553 5.1.8 sender domain does not exist" : null,
        });
        await using var client = await ClientScenario.ConnectAsync(server);

        var result = await client.SendAsync(ClientScenario.Message("x\r\n", "a@example.com", "b@example.com"), ClientScenario.Timeout());

        Assert.Equal("553 5.1.8 sender domain does not exist", result.MailReply.ToString());
        Assert.All(result.RecipientReplies, Assert.Null);
        Assert.Null(result.DataReply);
        Assert.True(client.IsUsable);
        Assert.Equal(["EHLO", "MAIL", "RSET"], server.Connections[0].Verbs);
        Assert.Empty(server.Transactions);
    }

    [Fact]
    public async Task A_refused_pipelined_MAIL_FROM_still_reads_every_RCPT_reply()
    {
        await using var server = ScriptedSmtpServer.Start(new() { Reply = c => c.Verb == "MAIL" ? "452 4.3.1 insufficient storage" : null });
        await using var client = await ClientScenario.ConnectAsync(server);

        var result = await client.SendAsync(ClientScenario.Message("x\r\n", "a@example.com", "b@example.com"), ClientScenario.Timeout());

        Assert.True(result.MailReply.IsTransient);
        Assert.Equal([503, 503], result.RecipientReplies.Select(r => r!.Code));
        Assert.Null(result.DataReply);
        var again = await client.SendAsync(ClientScenario.Message("y\r\n", "a@example.com"), ClientScenario.Timeout()); // still in step
        Assert.Equal(452, again.MailReply.Code);
    }

    [Fact]
    public async Task When_every_recipient_is_refused_the_pipelined_BDAT_is_refused_too_and_RSET_follows()
    {
        // RFC 3030 4.2: BDAT goes in the pipeline with MAIL and RCPT; the server refuses the chunk when no recipient was accepted.
        await using var server = ScriptedSmtpServer.Start(new() { Reply = c => c.Verb == "RCPT" ? "550 5.7.1 relaying denied" : null });
        await using var client = await ClientScenario.ConnectAsync(server);

        var result = await client.SendAsync(ClientScenario.Message("x\r\n", "a@example.com", "b@example.com"), ClientScenario.Timeout());

        Assert.Equal(250, result.MailReply.Code);
        Assert.All(result.RecipientReplies, r => Assert.Equal(550, r!.Code));
        Assert.Null(result.DataReply);
        Assert.Equal(["EHLO", "MAIL", "RCPT", "RCPT", "BDAT", "RSET"], server.Connections[0].Verbs);
        Assert.False(Assert.Single(server.Transactions).Completed);
        Assert.True(client.IsUsable);
    }

    [Fact]
    public async Task When_every_recipient_is_refused_without_pipelining_RSET_is_sent_and_no_content()
    {
        await using var server = ScriptedSmtpServer.Start(new()
        {
            Capabilities = ["8BITMIME", "ENHANCEDSTATUSCODES", "CHUNKING"],
            Reply = c => c.Verb == "RCPT" ? "550 5.7.1 relaying denied" : null,
        });
        await using var client = await ClientScenario.ConnectAsync(server);

        var result = await client.SendAsync(ClientScenario.Message("x\r\n", "a@example.com", "b@example.com"), ClientScenario.Timeout());

        Assert.All(result.RecipientReplies, r => Assert.Equal(550, r!.Code));
        Assert.Null(result.DataReply);
        Assert.Equal(["EHLO", "MAIL", "RCPT", "RCPT", "RSET"], server.Connections[0].Verbs);
        Assert.True(Assert.Single(server.Transactions).Abandoned);
        Assert.True(client.IsUsable);
    }

    [Fact]
    public async Task With_pipelining_and_DATA_a_refused_set_of_recipients_gets_no_content_and_RSET()
    {
        await using var server = ScriptedSmtpServer.Start(new()
        {
            Capabilities = WithoutChunking,
            Reply = c => c.Verb == "RCPT" ? "550 5.7.1 relaying denied" : null,
        });
        await using var client = await ClientScenario.ConnectAsync(server);

        var result = await client.SendAsync(ClientScenario.Message("x\r\n", "a@example.com"), ClientScenario.Timeout());

        Assert.Null(result.DataReply);
        Assert.Equal(["EHLO", "MAIL", "RCPT", "DATA", "RSET"], server.Connections[0].Verbs);
        Assert.Empty(Assert.Single(server.Transactions).Content);
        Assert.True(client.IsUsable);
    }

    [Fact]
    public async Task A_reset_first_transaction_pipelines_RSET_MAIL_RCPT_and_BDAT_in_one_write()
    {
        await using var server = ScriptedSmtpServer.Start();
        await using var client = await ClientScenario.ConnectAsync(server);

        await client.SendAsync(ClientScenario.Message("one\r\n", "bob@example.com"), ClientScenario.Timeout());
        var second = await client.SendAsync(ClientScenario.Message("two\r\n", "bob@example.com") with { ResetFirst = true }, ClientScenario.Timeout());

        Assert.Equal(250, second.DataReply!.Code);
        var commands = server.Connections[0].Commands.SkipWhile(c => c.Verb != "RSET").ToList();
        Assert.Equal(["RSET", "MAIL", "RCPT", "BDAT"], commands.Select(c => c.Verb).Take(4));
        Assert.Single(commands.Take(4).Select(c => c.ReadNumber).Distinct());
        Assert.Equal("two\r\n"u8.ToArray(), server.Transactions[1].Content);
    }

    [Fact]
    public async Task A_refused_message_is_a_result_and_the_connection_carries_the_next_one()
    {
        await using var server = ScriptedSmtpServer.Start(new()
        {
            Capabilities = WithoutChunking,
            MessageReply = t => t.Number == 1 ? "451 4.3.0 try again later" : null,
        });
        await using var client = await ClientScenario.ConnectAsync(server);

        var first = await client.SendAsync(ClientScenario.Message("one\r\n", "bob@example.com"), ClientScenario.Timeout());
        await client.ResetAsync(ClientScenario.Timeout());
        var second = await client.SendAsync(ClientScenario.Message("two\r\n", "bob@example.com"), ClientScenario.Timeout());
        await client.QuitAsync(ClientScenario.Timeout());

        Assert.True(first.DataReply!.IsTransient);
        Assert.Equal("250 2.0.0 Ok: queued as 2", second.DataReply?.ToString());
        Assert.Equal(2, client.TransactionsSent);
        Assert.False(client.IsUsable);
        var connection = Assert.Single(server.Connections);
        Assert.Equal(["EHLO", "MAIL", "RCPT", "DATA", "RSET", "MAIL", "RCPT", "DATA", "QUIT"], connection.Verbs);
        Assert.Equal(["one\r\n", "two\r\n"], connection.Transactions.Select(t => t.ContentText));
    }

    [Fact]
    public async Task A_refused_DATA_is_the_data_reply_and_RSET_follows()
    {
        await using var server = ScriptedSmtpServer.Start(new() { Capabilities = WithoutChunking, Reply = c => c.Verb == "DATA" ? "554 5.7.1 not today" : null });
        await using var client = await ClientScenario.ConnectAsync(server);

        var result = await client.SendAsync(ClientScenario.Message("x\r\n", "bob@example.com"), ClientScenario.Timeout());

        Assert.Equal("554 5.7.1 not today", result.DataReply?.ToString());
        Assert.Equal("RSET", server.Connections[0].Verbs[^1]);
    }

    [Fact]
    public async Task A_5xx_to_EHLO_falls_back_to_HELO_without_extensions()
    {
        await using var server = ScriptedSmtpServer.Start(new() { Reply = c => c.Verb == "EHLO" ? "502 5.5.1 EHLO not implemented" : null });
        await using var client = await ClientScenario.ConnectAsync(server, ClientScenario.Options(SmtpClientTls.Opportunistic));

        Assert.Equal(SmtpClientCapabilities.None, client.Capabilities);
        Assert.Equal("250 scripted.test", client.EhloReply.ToString());
        var result = await client.SendAsync(ClientScenario.Message(".x\r\n", "bob@example.com"), ClientScenario.Timeout());
        Assert.Equal(250, result.DataReply?.Code);
        Assert.Equal(".x\r\n", server.Transactions[0].ContentText); // DATA, not BDAT
        Assert.Equal(["EHLO client.test", "HELO client.test"], server.Connections[0].Commands.Take(2).Select(c => c.Line));
    }

    [Fact]
    public async Task The_capabilities_and_SIZE_limit_are_read_from_EHLO()
    {
        await using var server = ScriptedSmtpServer.Start(new() { Capabilities = ["size 1000", "Pipelining", "8BITMIME", "AUTH PLAIN LOGIN"] });
        await using var client = await ClientScenario.ConnectAsync(server);

        Assert.Equal(SmtpClientCapabilities.Size | SmtpClientCapabilities.Pipelining | SmtpClientCapabilities.EightBitMime, client.Capabilities);
        Assert.Equal(1000, client.MaxSize);
        Assert.Equal(220, client.Greeting.Code);
        Assert.Equal(["scripted.test", "size 1000", "Pipelining", "8BITMIME", "AUTH PLAIN LOGIN"], client.EhloReply.Lines);
        Assert.False(client.IsTls);
    }

    [Fact]
    public async Task The_source_address_is_the_one_the_server_sees()
    {
        await using var server = ScriptedSmtpServer.Start();
        var options = ClientScenario.Options() with { SourceAddress = IPAddress.Parse("127.0.0.2") };
        await using var client = await ClientScenario.ConnectAsync(server, options);

        Assert.Equal(IPAddress.Parse("127.0.0.2"), server.Connections[0].RemoteEndPoint.Address);
    }

    [Fact]
    public async Task The_null_sender_is_sent_as_empty_angle_brackets()
    {
        await using var server = ScriptedSmtpServer.Start();
        await using var client = await ClientScenario.ConnectAsync(server);

        await client.SendAsync(ClientScenario.Message("x\r\n", "bob@example.com") with { MailFrom = "", MailParameters = ["RET=HDRS", "ENVID=abc"] }, ClientScenario.Timeout());

        Assert.Equal("MAIL FROM:<> RET=HDRS ENVID=abc", server.Transactions[0].Mail.Line);
        Assert.Equal("", server.Transactions[0].MailFrom);
    }

    [Fact]
    public async Task The_relay_s_own_SMTP_server_receives_the_exact_octets()
    {
        using var cert = TestCertificates.SelfSigned();
        await using var host = await SmtpTestHost.StartAsync(certificate: cert);
        var options = ClientScenario.Options(SmtpClientTls.Required);
        await using var client = await SmtpClientConnection.ConnectAsync(new IPEndPoint(IPAddress.Loopback, host.Port), "relay.test", options, ClientScenario.Timeout());
        const string content = "Subject: own\r\n\r\n.leading dot\r\n";

        var result = await client.SendAsync(ClientScenario.Message(content, "bob@example.com"), ClientScenario.Timeout());
        await client.QuitAsync(ClientScenario.Timeout());

        Assert.True(client.IsTls);
        Assert.Equal("250 2.0.0 Queued as TEST", result.DataReply?.ToString());
        var message = await host.Handler.FirstMessage.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(content, Encoding.UTF8.GetString(message.Content));
        Assert.Contains("C: BDAT ", message.Transcript);
    }

    /// <summary>The content as a sequence of segments of <paramref name="size"/> octets, as a pipe or a store would hand it over.</summary>
    private static ReadOnlySequence<byte> Segments(byte[] content, int size) => SequenceBuilder.Create([.. content.Chunk(size)]);
}
