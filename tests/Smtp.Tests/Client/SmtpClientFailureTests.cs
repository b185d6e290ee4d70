using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SmarthostLab.Smtp.Client;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Smtp.Tests.Client;

/// <summary>What ends a session: each becomes an <see cref="SmtpClientException"/> naming the stage, and the connection closes.</summary>
public sealed class SmtpClientFailureTests
{
    [Fact]
    public async Task A_554_greeting_fails_the_connect_with_the_reply()
    {
        await using var server = ScriptedSmtpServer.Start(new() { Greeting = "554 5.7.1 no service for you" });

        var ex = await Assert.ThrowsAsync<SmtpClientException>(() => ClientScenario.ConnectAsync(server));

        Assert.Equal(SmtpClientFailureStage.Greeting, ex.Stage);
        Assert.Equal("554 5.7.1 no service for you", ex.Reply?.ToString());
        Assert.Contains("refused the session", ex.Message);
        await server.Connections[0].Closed.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["QUIT"], server.Connections[0].Verbs);
    }

    [Fact]
    public async Task A_421_to_a_recipient_ends_the_session()
    {
        await using var server = ScriptedSmtpServer.Start(new() { Reply = c => c.Verb == "RCPT" ? "421 4.3.2 shutting down" : null });
        await using var client = await ClientScenario.ConnectAsync(server);

        var ex = await Assert.ThrowsAsync<SmtpClientException>(() => client.SendAsync(ClientScenario.Message("x\r\n", "bob@example.com"), ClientScenario.Timeout()));

        Assert.Equal(SmtpClientFailureStage.Rcpt, ex.Stage);
        Assert.Equal(421, ex.Reply?.Code);
        Assert.Contains("closed the session while waiting for the reply to RCPT TO: 421 4.3.2 shutting down", ex.Message);
        Assert.False(client.IsUsable);
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.ResetAsync(ClientScenario.Timeout()));
        await client.QuitAsync(ClientScenario.Timeout()); // nothing to do, no throw
    }

    [Fact]
    public async Task A_421_greeting_fails_the_connect()
    {
        await using var server = ScriptedSmtpServer.Start(new() { Greeting = "421 4.7.0 too busy" });

        var ex = await Assert.ThrowsAsync<SmtpClientException>(() => ClientScenario.ConnectAsync(server));

        Assert.Equal(SmtpClientFailureStage.Greeting, ex.Stage);
        Assert.Equal(421, ex.Reply?.Code);
    }

    [Fact]
    public async Task A_refused_HELO_after_a_refused_EHLO_fails_the_connect()
    {
        await using var server = ScriptedSmtpServer.Start(new() { Reply = c => c.Verb is "EHLO" or "HELO" ? "550 5.7.1 go away" : null });

        var ex = await Assert.ThrowsAsync<SmtpClientException>(() => ClientScenario.ConnectAsync(server));

        Assert.Equal(SmtpClientFailureStage.Ehlo, ex.Stage);
        Assert.Equal(550, ex.Reply?.Code);
    }

    [Fact]
    public async Task A_peer_that_closes_during_DATA_fails_the_transaction_at_DATA()
    {
        await using var server = ScriptedSmtpServer.Start(new()
        {
            Capabilities = ["PIPELINING"],
            DisconnectDuringData = _ => true,
        });
        await using var client = await ClientScenario.ConnectAsync(server);
        var content = new byte[4 << 20];
        Array.Fill(content, (byte)'x');

        var ex = await Assert.ThrowsAsync<SmtpClientException>(() => client.SendAsync(ClientScenario.Message(content, "bob@example.com"), ClientScenario.Timeout()));

        Assert.Contains(ex.Stage, new[] { SmtpClientFailureStage.Data, SmtpClientFailureStage.DataEnd });
        Assert.Contains(server.EndPoint.ToString(), ex.Message);
        Assert.False(client.IsUsable);
        Assert.True(server.Transactions[0].Abandoned);
    }

    [Fact]
    public async Task A_peer_that_closes_before_the_final_reply_fails_at_DataEnd()
    {
        await using var server = ScriptedSmtpServer.Start(new() { MessageReply = _ => ScriptedReply.Disconnect });
        await using var client = await ClientScenario.ConnectAsync(server);

        var ex = await Assert.ThrowsAsync<SmtpClientException>(() => client.SendAsync(ClientScenario.Message("x\r\n", "bob@example.com"), ClientScenario.Timeout()));

        Assert.Equal(SmtpClientFailureStage.DataEnd, ex.Stage);
        Assert.Equal($"connection closed by {server.EndPoint} while waiting for the reply to BDAT", ex.Message);
    }

    [Fact]
    public async Task A_peer_that_never_reads_the_content_times_out_within_the_command_timeout()
    {
        await using var server = ScriptedSmtpServer.Start(new()
        {
            Capabilities = ["PIPELINING"],
            Reply = c => c.Verb == "DATA" ? new ScriptedReply("354 go ahead", ScriptedReplyAction.StopReading) : null,
        });
        await using var client = await ClientScenario.ConnectAsync(server, ClientScenario.Options() with { CommandTimeout = TimeSpan.FromSeconds(1) });
        var content = new byte[64 << 20]; // far more than the socket buffers hold
        Array.Fill(content, (byte)'x');
        var clock = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<SmtpClientException>(() => client.SendAsync(ClientScenario.Message(content, "bob@example.com"), ClientScenario.Timeout()));

        Assert.Equal(SmtpClientFailureStage.Data, ex.Stage);
        Assert.Equal($"{server.EndPoint} did not take data for 1 s while sending the message content", ex.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(15));
        Assert.False(client.IsUsable);
    }

    [Fact]
    public async Task A_silent_server_times_out_waiting_for_the_greeting()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var endPoint = (IPEndPoint)listener.LocalEndPoint!;
        var options = ClientScenario.Options() with { CommandTimeout = TimeSpan.FromMilliseconds(300) };

        var ex = await Assert.ThrowsAsync<SmtpClientException>(() => SmtpClientConnection.ConnectAsync(endPoint, "mx.example.com", options, ClientScenario.Timeout()));

        Assert.Equal(SmtpClientFailureStage.Greeting, ex.Stage);
        Assert.Equal($"mx.example.com[127.0.0.1]:{endPoint.Port} did not answer within 0.3 s while waiting for the greeting", ex.Message);
    }

    [Fact]
    public async Task A_refused_connection_fails_at_Connect()
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        var ex = await Assert.ThrowsAsync<SmtpClientException>(() =>
            SmtpClientConnection.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), "127.0.0.1", ClientScenario.Options(), ClientScenario.Timeout()));

        Assert.Equal(SmtpClientFailureStage.Connect, ex.Stage);
        Assert.StartsWith($"cannot connect to 127.0.0.1:{port}", ex.Message);
    }

    [Theory]
    [InlineData("250 ok\r\nbogus\r\n")]
    [InlineData("250-ok\r\n251 mixed codes\r\n")]
    public async Task A_reply_that_is_not_SMTP_fails_the_session(string greeting)
    {
        await using var server = ScriptedSmtpServer.Start(new() { Greeting = greeting.TrimEnd() });

        var ex = await Assert.ThrowsAsync<SmtpClientException>(() => ClientScenario.ConnectAsync(server));

        Assert.Contains(ex.Stage, new[] { SmtpClientFailureStage.Greeting, SmtpClientFailureStage.Ehlo });
        Assert.Null(ex.Reply);
    }

    [Fact]
    public async Task A_reply_line_over_4096_octets_fails_the_session()
    {
        await using var server = ScriptedSmtpServer.Start(new() { Greeting = "220 " + new string('x', 5000) });

        var ex = await Assert.ThrowsAsync<SmtpClientException>(() => ClientScenario.ConnectAsync(server));

        Assert.Equal(SmtpClientFailureStage.Greeting, ex.Stage);
        Assert.Contains("longer than 4096 octets", ex.Message);
    }

    [Fact]
    public async Task A_reply_of_more_than_100_lines_fails_the_session()
    {
        await using var server = ScriptedSmtpServer.Start(new() { Capabilities = [.. Enumerable.Range(0, 150).Select(i => "X-CAP" + i)] });

        var ex = await Assert.ThrowsAsync<SmtpClientException>(() => ClientScenario.ConnectAsync(server));

        Assert.Equal(SmtpClientFailureStage.Ehlo, ex.Stage);
        Assert.Contains("more than 100 lines", ex.Message);
    }

    [Fact]
    public async Task Cancelling_closes_the_connection_and_throws_OperationCanceledException()
    {
        await using var server = ScriptedSmtpServer.Start(new() { Reply = c => c.Verb == "MAIL" ? new ScriptedReply(null, ScriptedReplyAction.StopReading) : null });
        await using var client = await ClientScenario.ConnectAsync(server);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.SendAsync(ClientScenario.Message("x\r\n", "bob@example.com"), cancel.Token));

        Assert.False(client.IsUsable);
    }
}
