using System.Net;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Server;
using SmarthostLab.Smtp.Tests.Support;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Smtp.Tests;

/// <summary>
/// Issue 16, defects 2 and 7: refused sessions (the handler refused the connection) have a budget of their own
/// apart from the general pool, a short life, the bad-command limit, and a bounded log.
/// </summary>
public sealed class RefusedSessionTests
{
    private static readonly IPAddress Refused = IPAddress.Parse("127.0.0.3");
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 0);

    /// <summary>Refuses 127.0.0.3 with 554, greets everyone else.</summary>
    private static RecordingHandler RefusingHandler() => new()
    {
        ConnectReplyFor = s => s.RemoteIp.Equals(Refused) ? new SmtpReply(554, "5.7.1", $"{s.RemoteIp} is not a registered outbound server of any account") : null,
    };

    [Theory]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", 64, "2001:db8:1:2::")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", 48, "2001:db8:1::")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", 60, "2001:db8:1::")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", 68, "2001:db8:1:2:a000::")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", 128, "2001:db8:1:2:aaaa:bbbb:cccc:dddd")]
    [InlineData("::1", 64, "::")]
    [InlineData("192.0.2.10", 64, "192.0.2.10")]
    [InlineData("::ffff:192.0.2.10", 64, "192.0.2.10")]
    public void IPv6_clients_are_counted_per_network_of_the_prefix_length(string address, int prefixLength, string key) =>
        Assert.Equal(IPAddress.Parse(key), SmtpConnectionLimiter.ClientKey(IPAddress.Parse(address), prefixLength));

    [Fact]
    public void Two_hosts_of_one_IPv6_64_share_a_key_and_another_64_does_not()
    {
        var a = SmtpConnectionLimiter.ClientKey(IPAddress.Parse("2001:db8:0:1::10"), 64);
        Assert.Equal(a, SmtpConnectionLimiter.ClientKey(IPAddress.Parse("2001:db8:0:1:ffff::20"), 64));
        Assert.NotEqual(a, SmtpConnectionLimiter.ClientKey(IPAddress.Parse("2001:db8:0:2::10"), 64));
    }

    [Fact]
    public async Task Refused_connections_have_their_own_budget_and_past_it_are_closed_at_once()
    {
        await using var host = await SmtpTestHost.StartAsync(o =>
        {
            o.MaxConnections = 2;
            o.MaxRefusedConnections = 3;
            o.RefusedSessionTimeout = TimeSpan.FromMinutes(1);
        }, handler: RefusingHandler());
        var server = new IPEndPoint(IPAddress.Loopback, host.Port);
        var held = new List<RawSmtpClient>();
        try
        {
            for (var i = 0; i < 10; i++)
            {
                var client = await RawSmtpClient.ConnectAsync(server, Refused);
                held.Add(client);
                Assert.StartsWith("554 5.7.1 127.0.0.3 ", await client.ReadReplyAsync());
                // The first three stay open (the budget); the rest get their one line and are closed at once.
                if (i >= 3) Assert.Null(await client.ReadLineAsync(TimeSpan.FromSeconds(10)));
            }
            Assert.Equal(3, host.Limiter.RefusedConnections);

            // Both general slots are still free for admitted clients.
            await using var first = await RawSmtpClient.ConnectAsync(server, IPAddress.Loopback);
            Assert.StartsWith("220 ", await first.ReadReplyAsync());
            await using var second = await RawSmtpClient.ConnectAsync(server, IPAddress.Loopback);
            Assert.StartsWith("220 ", await second.ReadReplyAsync());
            Assert.StartsWith("250", await second.CommandAsync("EHLO client.test"));
        }
        finally
        {
            foreach (var client in held) await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_refused_session_sending_1000_junk_lines_gets_421_after_MaxBadCommands_and_its_log_stays_bounded()
    {
        var logs = new CapturingLoggerProvider();
        await using var host = await SmtpTestHost.StartAsync(o => o.RefusedSessionTimeout = TimeSpan.FromMinutes(1), handler: RefusingHandler(), logs: logs);
        await using var client = await RawSmtpClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, host.Port), Refused);
        Assert.StartsWith("554 ", await client.ReadReplyAsync());

        await client.SendAsync(Junk.Lines(1000));

        for (var i = 0; i < 20; i++) Assert.Equal("503 5.7.1 Session refused; only QUIT is accepted", await client.ReadReplyAsync());
        Assert.Equal("421 4.7.0 relay.test too many bad commands, closing connection", await client.ReadReplyAsync());
        Assert.Null(await client.ReadLineAsync(TimeSpan.FromSeconds(10)));
        Assert.True(await host.AllClosedAsync(TimeSpan.FromSeconds(10)));

        var session = logs.Lines.Where(l => l.Category == "SmarthostLab.Smtp.Session").ToList();
        Assert.Equal(SmtpSession.LoggedRefusalsPerSession, session.Count(l => l.EventId == 1012));
        Assert.Contains(session, l => l.EventId == 1016 && l.Message.Contains("11 more refusals", StringComparison.Ordinal));
        Assert.InRange(session.Count, 1, 30);
    }
}
