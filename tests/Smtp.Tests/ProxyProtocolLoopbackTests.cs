using System.Net;
using System.Net.Sockets;
using System.Text;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Proxy;
using SmarthostLab.Smtp.Session;
using SmarthostLab.Smtp.Tests.Support;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Smtp.Tests;

/// <summary>
/// <c>Smtp:ProxyProtocol</c> Required over real loopback sockets: the test plays the load balancer (its socket is
/// 127.0.0.1, trusted by default) and sends v1 or v2 headers naming other clients, then SMTP.
/// </summary>
public sealed class ProxyProtocolLoopbackTests
{
    private static readonly IPEndPoint Client2 = new(IPAddress.Parse("127.0.0.2"), 40002);
    private static readonly IPEndPoint Client4 = new(IPAddress.Parse("127.0.0.4"), 40004);

    private static Task<SmtpTestHost> StartAsync(Action<SmtpOptions>? configure = null, RecordingHandler? handler = null) =>
        SmtpTestHost.StartAsync(o =>
        {
            o.ProxyProtocol = ProxyProtocolMode.Required;
            configure?.Invoke(o);
        }, handler: handler);

    private static IPEndPoint Front(SmtpTestHost host) => new(IPAddress.Loopback, host.Port);

    /// <summary>Connects as the balancer would (from 127.0.0.1) and sends <paramref name="header"/>.</summary>
    private static async Task<RawSmtpClient> ConnectWithAsync(SmtpTestHost host, byte[] header)
    {
        var client = await RawSmtpClient.ConnectAsync(Front(host), IPAddress.Loopback);
        await client.SendAsync(header);
        return client;
    }


    private static async Task<SmtpRefusal> SingleRefusalAsync(SmtpTestHost host)
    {
        for (var i = 0; i < 200 && host.Handler.Refusals.IsEmpty; i++) await Task.Delay(25);
        return Assert.Single(host.Handler.Refusals);
    }

    private static async Task SendMessageAsync(RawSmtpClient client)
    {
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@contoso.test>"));
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<b@fabrikam.test>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        Assert.StartsWith("250", await client.CommandAsync("Subject: proxied\r\n\r\nhello\r\n."));
        Assert.StartsWith("221", await client.CommandAsync("QUIT"));
    }

    [Fact]
    public async Task A_v1_header_makes_its_source_the_client_and_the_balancer_the_proxy_peer()
    {
        await using var host = await StartAsync();
        await using var client = await ConnectWithAsync(host, ProxyHeaders.V1(Client2.Address, Client2.Port, IPAddress.Loopback, host.Port));
        Assert.StartsWith("220 relay.test ", await client.ReadReplyAsync());
        await SendMessageAsync(client);

        var session = Assert.Single(host.Handler.Sessions);
        Assert.Equal(Client2, session.RemoteEndPoint);
        Assert.Equal(IPAddress.Parse("127.0.0.2"), session.RemoteIp);
        Assert.Equal(IPAddress.Loopback, session.ProxyPeer!.Address);
        Assert.False(session.ProxyLocal);
        Assert.Single(host.Handler.Messages);
    }

    [Fact]
    public async Task A_v2_header_makes_its_source_the_client()
    {
        await using var host = await StartAsync();
        await using var client = await ConnectWithAsync(host, ProxyHeaders.V2(Client2, new IPEndPoint(IPAddress.Loopback, host.Port)));
        Assert.StartsWith("220 relay.test ", await client.ReadReplyAsync());
        await SendMessageAsync(client);
        Assert.Equal(Client2, Assert.Single(host.Handler.Sessions).RemoteEndPoint);
    }

    [Fact]
    public async Task Bytes_after_the_header_in_the_same_segment_are_the_sessions()
    {
        await using var host = await StartAsync();
        var header = ProxyHeaders.V2(Client2, new IPEndPoint(IPAddress.Loopback, host.Port));
        await using var client = await ConnectWithAsync(host, [.. header, .. "EHLO early.test\r\n"u8.ToArray()]);
        Assert.StartsWith("220 ", await client.ReadReplyAsync());
        Assert.StartsWith("250", await client.ReadReplyAsync());
        Assert.Equal("early.test", Assert.Single(host.Handler.Sessions).Helo);
    }

    [Fact]
    public async Task A_header_split_across_writes_is_read_whole()
    {
        await using var host = await StartAsync();
        var header = ProxyHeaders.V1(Client2.Address, Client2.Port, IPAddress.Loopback, host.Port);
        await using var client = await RawSmtpClient.ConnectAsync(Front(host), IPAddress.Loopback);
        foreach (var part in header.Chunk(7))
        {
            await client.SendAsync(part);
            await Task.Delay(20);
        }
        Assert.StartsWith("220 ", await client.ReadReplyAsync());
        Assert.Equal(Client2, Assert.Single(host.Handler.Sessions).RemoteEndPoint);
    }

    [Fact]
    public async Task A_LOCAL_health_check_is_greeted_without_the_handlers_admission()
    {
        var handler = new RecordingHandler
        {
            ConnectReply = new SmtpReply(554, "5.7.1", "refused"),
            RefusesAtConnectFor = _ => true,
        };
        await using var host = await StartAsync(handler: handler);
        await using (var check = await ConnectWithAsync(host, ProxyHeaders.V2Local()))
        {
            Assert.StartsWith("220 relay.test ", await check.ReadReplyAsync());
            Assert.StartsWith("250", await check.CommandAsync("EHLO haproxy.test"));
            Assert.StartsWith("221", await check.CommandAsync("QUIT"));
        }
        await using (var v1 = await ConnectWithAsync(host, "PROXY UNKNOWN\r\n"u8.ToArray()))
            Assert.StartsWith("220 relay.test ", await v1.ReadReplyAsync());
        Assert.Empty(handler.Sessions); // OnConnectAsync was never asked
        Assert.Empty(handler.Refusals);
        Assert.Equal(0, host.Limiter.RefusedConnections);
    }

    [Fact]
    public async Task The_connection_limits_count_the_client_the_header_names_not_the_balancer()
    {
        var asked = new System.Collections.Concurrent.ConcurrentQueue<IPAddress>();
        var handler = new RecordingHandler { RefusesAtConnectFor = ip => { asked.Enqueue(ip); return false; } };
        await using var host = await StartAsync(o => o.MaxConnectionsPerIp = 1, handler);
        var front = new IPEndPoint(IPAddress.Loopback, host.Port);
        await using var first = await ConnectWithAsync(host, ProxyHeaders.V2(Client2, front));
        Assert.StartsWith("220 ", await first.ReadReplyAsync());
        await using var second = await ConnectWithAsync(host, ProxyHeaders.V2(new IPEndPoint(Client2.Address, 40003), front));
        Assert.Equal("421 4.7.0 relay.test too many connections from 127.0.0.2, try again later", await second.ReadReplyAsync());
        // Another client through the same balancer has its own count.
        await using var other = await ConnectWithAsync(host, ProxyHeaders.V2(Client4, front));
        Assert.StartsWith("220 ", await other.ReadReplyAsync());
        Assert.All(asked, ip => Assert.NotEqual(IPAddress.Loopback, ip));
        Assert.Contains(IPAddress.Parse("127.0.0.4"), asked);
    }

    [Fact]
    public async Task A_peer_outside_the_trusted_networks_is_closed_without_a_greeting_and_recorded()
    {
        await using var host = await StartAsync(o => o.ProxyTrustedNetworks = ["127.0.0.5", "10.0.0.0/8"]);
        await using var client = await ConnectWithAsync(host, ProxyHeaders.V2(Client2, new IPEndPoint(IPAddress.Loopback, host.Port)));
        await client.AssertClosedWithoutReplyAsync();
        var refusal = await SingleRefusalAsync(host);
        Assert.Equal("proxy", refusal.Stage);
        Assert.Equal("proxy-untrusted", refusal.Reason);
        Assert.False(refusal.Sent);
        Assert.Contains("127.0.0.1 is not in Smtp:ProxyTrustedNetworks", refusal.Reply.Text);
        Assert.Empty(host.Handler.Sessions);
    }

    [Fact]
    public async Task A_trusted_network_in_CIDR_notation_admits_the_balancer()
    {
        await using var host = await StartAsync(o => o.ProxyTrustedNetworks = ["127.0.0.0/30"]);
        await using var client = await ConnectWithAsync(host, ProxyHeaders.V2(Client4, new IPEndPoint(IPAddress.Loopback, host.Port)));
        Assert.StartsWith("220 ", await client.ReadReplyAsync());
        Assert.Equal(Client4, Assert.Single(host.Handler.Sessions).RemoteEndPoint);
    }

    [Fact]
    public async Task A_client_speaking_SMTP_first_is_closed_without_a_greeting_and_recorded()
    {
        await using var host = await StartAsync();
        await using var client = await ConnectWithAsync(host, "EHLO direct.test\r\n"u8.ToArray());
        await client.AssertClosedWithoutReplyAsync();
        var refusal = await SingleRefusalAsync(host);
        Assert.Equal(("proxy", "proxy-missing"), (refusal.Stage, refusal.Reason));
        Assert.Contains("no PROXY protocol header", refusal.Reply.Text);
        Assert.Empty(host.Handler.Sessions);
    }

    [Fact]
    public async Task A_client_sending_nothing_is_closed_after_the_command_timeout_and_recorded()
    {
        await using var host = await StartAsync(o => o.CommandTimeout = TimeSpan.FromMilliseconds(300));
        await using var client = await RawSmtpClient.ConnectAsync(Front(host), IPAddress.Loopback);
        await client.AssertClosedWithoutReplyAsync();
        var refusal = await SingleRefusalAsync(host);
        Assert.Equal(("proxy", "proxy-timeout"), (refusal.Stage, refusal.Reason));
        Assert.Contains("Smtp:CommandTimeout", refusal.Reply.Text);
    }

    [Fact]
    public async Task A_connection_closed_inside_the_header_is_recorded()
    {
        await using var host = await StartAsync();
        var client = await ConnectWithAsync(host, "PROXY TCP4 127.0.0.2"u8.ToArray());
        await client.DisposeAsync();
        var refusal = await SingleRefusalAsync(host);
        Assert.Equal("proxy-missing", refusal.Reason);
        Assert.Contains("inside its PROXY protocol header", refusal.Reply.Text);
    }

    [Fact]
    public async Task A_connection_closed_before_sending_anything_is_a_health_check_not_a_refusal()
    {
        await using var host = await StartAsync();
        var client = await RawSmtpClient.ConnectAsync(Front(host), IPAddress.Loopback);
        await client.DisposeAsync();
        await Task.Delay(200);
        // A connection sending SMTP first, after it, is recorded: the only refusal.
        await using var after = await ConnectWithAsync(host, "HELO x\r\n"u8.ToArray());
        Assert.Equal("proxy-missing", (await SingleRefusalAsync(host)).Reason);
    }

    [Theory]
    [InlineData("PROXY TCP4 127.0.0.2 127.0.0.1 99999 25\r\n", "proxy-malformed", "port")]
    [InlineData("PROXY TCP9 127.0.0.2 127.0.0.1 1 25\r\n", "proxy-malformed", "protocol")]
    public async Task A_malformed_v1_header_is_closed_without_a_greeting_and_recorded(string header, string reason, string named)
    {
        await using var host = await StartAsync();
        await using var client = await ConnectWithAsync(host, Encoding.ASCII.GetBytes(header));
        await client.AssertClosedWithoutReplyAsync();
        var refusal = await SingleRefusalAsync(host);
        Assert.Equal(reason, refusal.Reason);
        Assert.Contains(named, refusal.Reply.Text);
    }

    [Fact]
    public async Task An_oversized_header_is_closed_without_a_greeting_and_recorded()
    {
        await using var host = await StartAsync();
        await using var client = await ConnectWithAsync(host, Encoding.ASCII.GetBytes("PROXY UNKNOWN " + new string('x', 300)));
        await client.AssertClosedWithoutReplyAsync();
        Assert.Equal("proxy-too-long", (await SingleRefusalAsync(host)).Reason);

        await using var v2 = await ConnectWithAsync(host, ProxyHeaders.V2Raw(0x21, 0x11, new byte[4000])[..16]);
        await v2.AssertClosedWithoutReplyAsync();
        for (var i = 0; i < 200 && host.Handler.Refusals.Count < 2; i++) await Task.Delay(25);
        Assert.Equal(["proxy-too-long", "proxy-too-long"], host.Handler.Refusals.Select(r => r.Reason));
    }

    [Fact]
    public async Task With_the_protocol_off_a_PROXY_line_is_just_an_unknown_command()
    {
        await using var host = await SmtpTestHost.StartAsync();
        await using var client = await RawSmtpClient.ConnectAsync(host.Port);
        Assert.StartsWith("220 ", await client.ReadReplyAsync());
        Assert.StartsWith("500 ", await client.CommandAsync("PROXY TCP4 127.0.0.2 127.0.0.1 40000 25"));
        Assert.Equal(IPAddress.Loopback, Assert.Single(host.Handler.Sessions).RemoteIp);
        Assert.Null(host.Handler.Sessions.Single().ProxyPeer);
    }
}
