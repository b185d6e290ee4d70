using System.Net;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests;

/// <summary>A fact that needs the haproxy executable (<see cref="PrivateHaproxy"/>); skipped with the reason where it is absent.</summary>
public sealed class HaproxyFactAttribute : FactAttribute
{
    public HaproxyFactAttribute()
    {
        if (!PrivateHaproxy.IsAvailable(out var reason)) Skip = reason;
    }
}

/// <summary>A theory that needs the haproxy executable; skipped with the reason where it is absent.</summary>
public sealed class HaproxyTheoryAttribute : TheoryAttribute
{
    public HaproxyTheoryAttribute()
    {
        if (!PrivateHaproxy.IsAvailable(out var reason)) Skip = reason;
    }
}

/// <summary>
/// Issue 18: the relay behind a real HAProxy (Debian's 2.6) with <c>send-proxy-v2</c> and health checks. Clients bound
/// to 127.0.0.2 (registered) and 127.0.0.3 (not) connect to HAProxy's frontend; the relay only ever sees HAProxy's
/// connections from 127.0.0.1, and names the clients from the PROXY header.
/// </summary>
public sealed class HaproxyInteropTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [HaproxyTheory]
    [InlineData(HaproxyCheck.Connect)]
    [InlineData(HaproxyCheck.Smtp)]
    public async Task Through_HAProxy_the_relay_admits_127_0_0_2_refuses_127_0_0_3_and_names_both(HaproxyCheck check)
    {
        await using var relay = await TestRelay.StartAsync("--Smtp:ProxyProtocol=Required");
        await using var haproxy = await PrivateHaproxy.StartAsync([relay.Smtp], check, TimeSpan.FromMilliseconds(300));
        // The health checks (PROXY v2 LOCAL, then a bare connect or EHLO) are answered: the server comes up.
        Assert.True(await haproxy.WaitForServersAsync("UP", Bound), "the relay never came UP in HAProxy:\n" + haproxy.Output);

        var queued = await Mail.SendAsync(haproxy.Frontend, TestRelay.Registered, Mail.Message("through haproxy"));
        Assert.Contains("queued as", queued);
        var message = Assert.Single((await relay.MessagesAsync()).Messages);
        Assert.Equal("127.0.0.2", message.ClientIp);
        var raw = await relay.Http.GetStringAsync($"/api/v1/messages/{message.Id}/raw");
        Assert.Matches(@"\r\nReceived: from \S+ \(unknown \[127\.0\.0\.2\]\)\r\n", raw);
        Assert.DoesNotContain("127.0.0.1", raw);

        await using (var refused = await RawSmtpClient.ConnectAsync(haproxy.Frontend, TestRelay.Unregistered))
            Assert.StartsWith("554 5.7.1 127.0.0.3 is not a registered outbound server", await refused.ReadReplyAsync());

        // Let a few more health checks run: none of them leaves a refusal, and HAProxy's own address is in none.
        await Task.Delay(1000);
        Assert.True(await haproxy.WaitForServersAsync("UP", Bound), haproxy.Output);
        var refusal = Assert.Single((await relay.RefusalsAsync()).Refusals);
        Assert.Equal(("127.0.0.3", "connect", "unregistered-ip"), (refusal.ClientIp, refusal.Stage, refusal.Reason));
    }

    [HaproxyFact]
    public async Task A_relay_without_the_PROXY_protocol_behind_HAProxy_records_HAProxys_header_as_an_unknown_command_not_a_client()
    {
        // The misconfiguration an operator would make: send-proxy-v2 towards a relay with Smtp:ProxyProtocol=Off. The
        // v2 header is binary junk to SMTP; the client sees the relay's greeting to HAProxy's address, never admitted.
        await using var relay = await TestRelay.StartAsync();
        await using var haproxy = await PrivateHaproxy.StartAsync([relay.Smtp], HaproxyCheck.None);
        await using var client = await RawSmtpClient.ConnectAsync(haproxy.Frontend, TestRelay.Registered);
        Assert.StartsWith("554 5.7.1 127.0.0.1 is not a registered outbound server", await client.ReadReplyAsync());
    }

    [HaproxyFact]
    public async Task The_fixture_writes_its_own_configuration_and_never_reads_etc_haproxy()
    {
        var backend = new IPEndPoint(IPAddress.Loopback, 2525);
        var text = PrivateHaproxy.ConfigurationFor(new IPEndPoint(IPAddress.Loopback, 3535), [backend, backend], HaproxyCheck.Smtp,
            TimeSpan.FromMilliseconds(500), "/tmp/x/admin.sock");
        Assert.Contains("bind 127.0.0.1:3535", text);
        Assert.Contains("server relay1 127.0.0.1:2525 send-proxy-v2 check inter 500ms fall 2 rise 1", text);
        Assert.Contains("option smtpchk EHLO haproxy.test", text);
        Assert.DoesNotContain("/etc/haproxy", text);
        await Task.CompletedTask;
    }
}
