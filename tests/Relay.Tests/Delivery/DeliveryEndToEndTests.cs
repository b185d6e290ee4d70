using System.Net;
using System.Text;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests.Delivery;

/// <summary>
/// Onward delivery (issue 13) over loopback: a relay in NextHop or Mx mode, a <see cref="ScriptedSmtpServer"/> as the
/// next hop. Each test waits on events (the next hop's transaction, the relay's wait route), never on the clock.
/// </summary>
public sealed class DeliveryEndToEndTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_message_reaches_the_next_hop_byte_exact_and_the_api_shows_it_delivered(bool chunking)
    {
        await using var server = ScriptedSmtpServer.Start(new ScriptedSmtpServerOptions
        {
            Capabilities = DeliveryLab.Capabilities(chunking),
        });
        await using var relay = await DeliveryLab.StartNextHopAsync(server);
        // Leading dots, a lone dot line, spacing and a tab: what dot-stuffing or a careless copy would change.
        var sent = DeliveryLab.Message("tok-exact", "line one\r\n.leading dot\r\n.\r\n..two\r\nX  two  spaces\t tab \r\n\r\nlast\r\n");

        var id = await relay.SendAsync(sent);
        var transaction = await server.WaitForMessageAsync();
        var message = await relay.WaitForAsync("tok-exact", "delivered");

        var raw = await relay.RawAsync(id);
        Assert.Equal(raw, transaction.Content);
        Assert.Equal(sent, transaction.Content[^sent.Length..]);
        var prepended = Encoding.UTF8.GetString(raw[..^sent.Length]);
        Assert.StartsWith("Authentication-Results: ", prepended);
        Assert.Contains("\r\nReceived: from exchange.contoso.test (unknown [127.0.0.2])", prepended);
        Assert.Equal(chunking, transaction.UsedBdat);
        Assert.Equal("alice@contoso.test", transaction.MailFrom);
        Assert.Equal(["bob@example.com"], transaction.AcceptedRecipients);
        Assert.StartsWith("250", transaction.EndReply);

        Assert.Equal(id, message.Id);
        var delivery = message.Only();
        Assert.Equal(("delivered", 1), (delivery.State, delivery.Attempts));
        Assert.Equal($"nexthop:[127.0.0.1]:{server.Port}", delivery.Destination);
        Assert.Equal($"127.0.0.1:{server.Port}", delivery.RemoteAddress);
        Assert.StartsWith("250 ", delivery.LastReply);
        Assert.NotNull(delivery.LastAttemptAt);
        Assert.Null(delivery.NextAttemptAt);
    }

    [Fact]
    public async Task Two_recipients_for_one_next_hop_go_in_one_pipelined_transaction()
    {
        await using var server = ScriptedSmtpServer.Start();
        await using var relay = await DeliveryLab.StartNextHopAsync(server);

        var id = await relay.SendAsync(DeliveryLab.Message("tok-two"), recipients: ["<bob@example.com>", "<carol@example.com>"]);
        var message = await relay.WaitForAsync("tok-two", "delivered");

        var transaction = Assert.Single(server.Transactions);
        Assert.Equal(["bob@example.com", "carol@example.com"], transaction.Recipients.Select(r => r.Address));
        Assert.Equal(await relay.RawAsync(id), transaction.Content);
        // PIPELINING (RFC 2920): MAIL FROM and both RCPT TO arrived in one write.
        Assert.All(transaction.Recipients, r => Assert.Equal(transaction.Mail.ReadNumber, r.ReadNumber));
        Assert.All(message.Delivery, d => Assert.Equal(("delivered", 1), (d.State, d.Attempts)));
    }

    [Fact]
    public async Task Messages_in_a_row_share_outbound_connections_with_RSET_between_transactions()
    {
        await using var server = ScriptedSmtpServer.Start();
        await using var relay = await DeliveryLab.StartNextHopAsync(server);

        using (var client = await Mail.ConnectAsync(relay.Smtp, TestRelay.Registered))
        {
            for (var n = 1; n <= 3; n++) await client.SendAsync(Mail.Message($"tok-row-{n}"));
            await client.DisconnectAsync(true);
        }
        for (var n = 1; n <= 3; n++) await relay.WaitForAsync($"tok-row-{n}", "delivered");

        Assert.Equal(3, server.Transactions.Count(t => t.Completed));
        var connections = server.Connections.Where(c => c.Transactions.Count > 0).ToList();
        Assert.InRange(connections.Count, 1, 3);
        foreach (var connection in connections) AssertRsetBetweenTransactions(connection);
    }

    [Fact]
    public async Task With_one_connection_per_destination_every_message_goes_over_the_same_connection()
    {
        await using var server = ScriptedSmtpServer.Start();
        await using var relay = await DeliveryLab.StartNextHopAsync(server,
            "--Delivery:MaxConnectionsPerDestination=1", "--Delivery:ConnectionIdleTime=00:00:30");

        for (var n = 1; n <= 3; n++) await relay.SendAsync(DeliveryLab.Message($"tok-one-{n}"));
        for (var n = 1; n <= 3; n++) await relay.WaitForAsync($"tok-one-{n}", "delivered");

        var connection = Assert.Single(server.Connections);
        Assert.Equal(3, connection.Transactions.Count);
        AssertRsetBetweenTransactions(connection);
    }

    [Fact]
    public async Task A_451_after_the_content_defers_and_the_retry_delivers()
    {
        using var retry = new ManualResetEventSlim();
        var mails = 0;
        await using var server = ScriptedSmtpServer.Start(new ScriptedSmtpServerOptions
        {
            // The retry's MAIL FROM waits until the test has seen the deferral (bounded, so a failure cannot hang).
            Reply = c =>
            {
                if (c.Verb == "MAIL" && Interlocked.Increment(ref mails) > 1 && !retry.Wait(TimeSpan.FromSeconds(DeliveryLab.WaitSeconds)))
                    throw new TimeoutException("the test never released the retry");
                return null;
            },
            MessageReply = t => t.Number == 1 ? "451 4.3.0 try again later" : null,
        });
        await using var relay = await DeliveryLab.StartNextHopAsync(server);
        try
        {
            var id = await relay.SendAsync(DeliveryLab.Message("tok-retry"));

            var deferred = (await relay.WaitForAsync("tok-retry", "deferred")).Only();
            Assert.Equal(("deferred", 1, "451 4.3.0 try again later"), (deferred.State, deferred.Attempts, deferred.LastReply));
            var queue = await relay.QueueAsync();
            Assert.Equal(1, queue.Counts["deferred"]);
            var listed = Assert.Single(queue.Deferred);
            Assert.Equal(id, listed.MessageId);
            Assert.StartsWith("451 ", listed.Delivery.LastReply);
            Assert.NotNull(listed.Delivery.NextAttemptAt);
            Assert.True(listed.Delivery.NextAttemptAt > listed.Delivery.LastAttemptAt);
            retry.Set();

            var delivered = (await relay.WaitForAsync("tok-retry", "delivered")).Only();
            Assert.Equal(("delivered", 2), (delivered.State, delivered.Attempts));
            Assert.StartsWith("250 ", delivered.LastReply);
            var transaction = await server.WaitForMessageAsync(t => t.Number == 2);
            Assert.Equal(await relay.RawAsync(id), transaction.Content);
            Assert.Empty((await relay.QueueAsync()).Deferred);
        }
        finally
        {
            retry.Set();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_connection_dropped_during_the_content_defers_and_the_retry_delivers_it_whole(bool chunking)
    {
        await using var server = ScriptedSmtpServer.Start(new ScriptedSmtpServerOptions
        {
            Capabilities = DeliveryLab.Capabilities(chunking),
            DisconnectDuringData = t => t.Number == 1,
        });
        await using var relay = await DeliveryLab.StartNextHopAsync(server);
        var body = string.Concat(Enumerable.Range(0, 2000).Select(i => $"line {i} of a message long enough to be cut\r\n"));

        var id = await relay.SendAsync(DeliveryLab.Message("tok-dropped", body));
        var delivered = (await relay.WaitForAsync("tok-dropped", "delivered")).Only();

        Assert.Equal(("delivered", 2), (delivered.State, delivered.Attempts));
        var transactions = server.Transactions;
        Assert.Equal(2, transactions.Count);
        Assert.False(transactions[0].Completed);
        Assert.True(transactions[1].Completed);
        Assert.NotEqual(transactions[0].ConnectionNumber, transactions[1].ConnectionNumber);
        Assert.Equal(await relay.RawAsync(id), transactions[1].Content);
    }

    [Fact]
    public async Task Mx_mode_delivers_to_the_zone_files_mail_exchanger()
    {
        await using var server = ScriptedSmtpServer.Start();
        using var folder = new TempFolder();
        await using var relay = await DeliveryLab.StartMxAsync(server, folder);

        var id = await relay.SendAsync(DeliveryLab.Message("tok-mx"), recipients: ["<bob@example.test>"]);
        var delivered = (await relay.WaitForAsync("tok-mx", "delivered")).Only();

        Assert.Equal(("delivered", 1, "mx:example.test"), (delivered.State, delivered.Attempts, delivered.Destination));
        Assert.Equal(("mx.example.test", $"127.0.0.1:{server.Port}"), (delivered.RemoteHost, delivered.RemoteAddress));
        var transaction = Assert.Single(server.Transactions);
        Assert.Equal(["bob@example.test"], transaction.AcceptedRecipients);
        Assert.Equal(await relay.RawAsync(id), transaction.Content);
    }

    [Fact]
    public async Task Outbound_connections_come_from_the_configured_source_address()
    {
        await using var server = ScriptedSmtpServer.Start();
        await using var relay = await DeliveryLab.StartNextHopAsync(server, "--Delivery:SourceAddress=127.0.0.25");

        await relay.SendAsync(DeliveryLab.Message("tok-source"));
        await relay.WaitForAsync("tok-source", "delivered");

        Assert.Equal(IPAddress.Parse("127.0.0.25"), Assert.Single(server.Connections).RemoteEndPoint.Address);
    }

    [Fact]
    public async Task A_restarted_relay_resumes_the_queue_from_its_data_folder()
    {
        // The next hop refuses service (421 to EHLO) while the first relay runs, so that one can only defer.
        var down = 1;
        await using var server = ScriptedSmtpServer.Start(new ScriptedSmtpServerOptions
        {
            Reply = c => c.Verb is "EHLO" or "HELO" && Volatile.Read(ref down) == 1 ? "421 4.3.2 service not available" : null,
        });
        using var folder = new TempFolder();
        string id;
        await using (var first = await TestRelay.StartInAsync(folder.Path, DeliveryLab.NextHopArgs(server)))
        {
            id = await first.SendAsync(DeliveryLab.Message("tok-resume"));
            var deferred = (await first.WaitForAsync("tok-resume", "deferred")).Only();
            Assert.Equal("deferred", deferred.State);
            Assert.Empty(server.Transactions);
        }
        Volatile.Write(ref down, 0);

        await using var second = await TestRelay.StartInAsync(folder.Path, DeliveryLab.NextHopArgs(server));
        var delivered = (await second.WaitForAsync("tok-resume", "delivered")).Only();

        Assert.Equal("delivered", delivered.State);
        Assert.True(delivered.Attempts >= 2, $"attempts {delivered.Attempts}");
        var transaction = Assert.Single(server.Transactions);
        Assert.Equal(await second.RawAsync(id), transaction.Content);
    }

    [Fact]
    public async Task After_a_restart_deferred_mail_follows_the_corrected_next_hop()
    {
        // A lab admin started the relay with a wrong Delivery:NextHop, fixed it and restarted: mail already deferred
        // goes to the new next hop, as Postfix routes each attempt anew. (A released message keeps its own next hop.)
        using var folder = new TempFolder();
        var wrong = $"127.0.0.1:{DeliveryLab.FreePort()}";
        await using var server = ScriptedSmtpServer.Start();
        string id;
        await using (var first = await TestRelay.StartInAsync(folder.Path, DeliveryLab.OfflineDns,
            "--Delivery:Mode=NextHop", "--Delivery:NextHop=" + wrong, "--Delivery:RetrySchedule=1s"))
        {
            id = await first.SendAsync(DeliveryLab.Message("tok-reroute"));
            var deferred = (await first.WaitForAsync("tok-reroute", "deferred")).Only();
            Assert.Equal("nexthop:[127.0.0.1]:" + wrong.Split(':')[1], deferred.Destination);
        }

        await using var second = await TestRelay.StartInAsync(folder.Path, DeliveryLab.NextHopArgs(server));
        var delivered = (await second.WaitForAsync("tok-reroute", "delivered")).Only();

        Assert.Equal($"nexthop:[127.0.0.1]:{server.Port}", delivered.Destination);
        Assert.Equal(await second.RawAsync(id), Assert.Single(server.Transactions).Content);
    }

    /// <summary>On a connection that carried several transactions, each one after the first is preceded by RSET.</summary>
    private static void AssertRsetBetweenTransactions(ScriptedConnection connection)
    {
        var verbs = connection.Verbs;
        var mails = verbs.Select((verb, index) => (verb, index)).Where(v => v.verb == "MAIL").Select(v => v.index).ToList();
        foreach (var mail in mails.Skip(1)) Assert.Equal("RSET", verbs[mail - 1]);
    }
}
