using System.Net;
using System.Net.Sockets;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests;

/// <summary>
/// Issue 18, PROXY protocol, in the relay: the test plays the load balancer from 127.0.0.1 (trusted by default) and
/// names 127.0.0.2 (registered) or 127.0.0.3 (not) in the header; admission, the stored message, its Received header,
/// the API and the refusals all name the client from the header.
/// </summary>
public sealed class ProxyProtocolEndToEndTests
{
    private static Task<TestRelay> StartAsync(params string[] extra) => TestRelay.StartAsync(["--Smtp:ProxyProtocol=Required", .. extra]);

    private static async Task<RawSmtpClient> ConnectAsync(TestRelay relay, IPAddress client, bool v2 = true)
    {
        var balancer = await RawSmtpClient.ConnectAsync(relay.Smtp, IPAddress.Loopback);
        await balancer.SendAsync(v2
            ? ProxyHeaders.V2(new IPEndPoint(client, 41000), relay.Smtp)
            : ProxyHeaders.V1(client, 41000, relay.Smtp.Address, relay.Smtp.Port));
        return balancer;
    }


    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_registered_client_named_by_the_header_is_admitted_and_named_in_the_message_Received_and_API(bool v2)
    {
        await using var relay = await StartAsync();
        await using var client = await ConnectAsync(relay, TestRelay.Registered, v2);
        Assert.StartsWith("220 relay.test", await client.ReadReplyAsync());
        Assert.StartsWith("250", await client.CommandAsync("EHLO mx.contoso.test"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<alice@contoso.test>"));
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<bob@example.com>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        var queued = await client.CommandAsync("From: alice@contoso.test\r\nSubject: via proxy\r\n\r\nHello.\r\n.");
        Assert.Contains("queued as", queued);

        var message = Assert.Single((await relay.MessagesAsync()).Messages);
        Assert.Equal("127.0.0.2", message.ClientIp);
        var raw = await relay.Http.GetStringAsync($"/api/v1/messages/{message.Id}/raw");
        Assert.Contains("\r\nReceived: from mx.contoso.test (unknown [127.0.0.2])\r\n", raw);
        Assert.Contains("client 127.0.0.2", raw); // SPF was checked for the client from the header
        Assert.DoesNotContain("127.0.0.1", raw);
    }

    [Fact]
    public async Task An_unregistered_client_named_by_the_header_is_refused_and_the_refusal_names_it()
    {
        await using var relay = await StartAsync();
        await using var client = await ConnectAsync(relay, TestRelay.Unregistered);
        Assert.StartsWith("554 5.7.1 127.0.0.3 is not a registered outbound server", await client.ReadReplyAsync());
        var refusal = Assert.Single((await relay.RefusalsAsync()).Refusals);
        Assert.Equal(("127.0.0.3", "connect", "unregistered-ip"), (refusal.ClientIp, refusal.Stage, refusal.Reason));
    }

    [Fact]
    public async Task A_balancer_outside_the_trusted_networks_is_closed_and_recorded_under_its_own_address()
    {
        await using var relay = await StartAsync("--Smtp:ProxyTrustedNetworks:0=192.0.2.1", "--Smtp:ProxyTrustedNetworks:1=127.0.0.9/32");
        await using var client = await ConnectAsync(relay, TestRelay.Registered);
        await client.AssertClosedWithoutReplyAsync();
        var refusal = Assert.Single((await relay.RefusalsAsync()).Refusals);
        Assert.Equal(("127.0.0.1", "proxy", "proxy-untrusted"), (refusal.ClientIp, refusal.Stage, refusal.Reason));
        Assert.Equal("closed without a reply: PROXY protocol required, and 127.0.0.1 is not in Smtp:ProxyTrustedNetworks", refusal.Reply);
        Assert.Empty((await relay.MessagesAsync()).Messages);
    }

    [Fact]
    public async Task A_client_connecting_without_a_header_is_closed_and_recorded()
    {
        await using var relay = await StartAsync();
        await using var client = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Registered);
        await client.SendAsync("EHLO mx.contoso.test\r\n");
        await client.AssertClosedWithoutReplyAsync();
        var refusal = Assert.Single((await relay.RefusalsAsync()).Refusals);
        Assert.Equal(("127.0.0.2", "proxy", "proxy-missing"), (refusal.ClientIp, refusal.Stage, refusal.Reason));
        Assert.Equal(1, await relay.MetricAsync("smtp_refusals_total{reason=\"proxy-missing\"}"));
    }

    [Fact]
    public async Task A_bad_trusted_network_stops_the_start_naming_the_key()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync("--Smtp:ProxyTrustedNetworks:0=haproxy.internal"));
        Assert.Contains("Smtp:ProxyTrustedNetworks: 'haproxy.internal' is neither an IP address nor a network", error.Message);
    }
}
