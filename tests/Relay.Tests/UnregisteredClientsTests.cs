using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Smtp.Server;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests;

/// <summary>
/// Issue 16, defects 1, 2 and 7 end to end: no client may starve the others. Unregistered clients (127.0.0.3) are
/// refused sessions with a budget of their own, a short life and the bad-command limit; registered servers
/// (127.0.0.2) keep being served; a client that never reads is cut off, also when the relay stops.
/// </summary>
public sealed class UnregisteredClientsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_registered_server_is_served_while_60_unregistered_connections_are_held_open()
    {
        await using var relay = await TestRelay.StartAsync(
            "--Smtp:MaxConnections=10", "--Smtp:MaxRefusedConnections=5", "--Smtp:RefusedSessionTimeout=00:01:00");
        var held = new List<RawSmtpClient>();
        try
        {
            for (var i = 0; i < 60; i++)
            {
                var client = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Unregistered);
                held.Add(client);
                Assert.StartsWith("554 5.7.1 127.0.0.3 ", await client.ReadReplyAsync());
            }
            var limiter = relay.Relay.Services.GetRequiredService<SmtpConnectionLimiter>();
            Assert.Equal(5, limiter.RefusedConnections);

            await using (var registered = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Registered))
                Assert.StartsWith("220 relay.test", await registered.ReadReplyAsync());
            Assert.Contains("Ok: queued as", await Mail.SendAsync(relay.Smtp, TestRelay.Registered, Mail.Message("still served")));
        }
        finally
        {
            foreach (var client in held) await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task Junk_from_an_unregistered_client_gets_421_after_MaxBadCommands_with_one_record_and_a_bounded_log()
    {
        var logs = new CapturingLoggerProvider();
        await using var relay = await TestRelay.StartLoggingToAsync(logs, "--Logging:LogLevel:SmarthostLab=Information");
        await using var client = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Unregistered);
        Assert.StartsWith("554 5.7.1", await client.ReadReplyAsync());

        await client.SendAsync(Junk.Lines(1000));
        for (var i = 0; i < 20; i++) Assert.StartsWith("503 5.7.1", await client.ReadReplyAsync());
        Assert.Equal("421 4.7.0 relay.test too many bad commands, closing connection", await client.ReadReplyAsync());
        Assert.Null(await client.ReadLineAsync(TimeSpan.FromSeconds(10)));

        var refusal = Assert.Single((await relay.RefusalsAsync("?ip=127.0.0.3")).Refusals);
        Assert.Equal(("connect", "unregistered-ip"), (refusal.Stage, refusal.Reason));
        Assert.InRange(logs.Lines.Count(l => l.Category.StartsWith("SmarthostLab", StringComparison.Ordinal)), 1, 30);
    }

    [Fact]
    public async Task An_unregistered_client_pipelining_junk_without_reading_is_closed()
    {
        await using var relay = await TestRelay.StartAsync("--Smtp:RefusedSessionTimeout=00:00:02");
        using var client = await NonReadingSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Unregistered);
        Assert.IsType<SocketException>(await client.PipelineUntilResetAsync("JUNK junk junk\r\n").WaitAsync(Bound));
        var limiter = relay.Relay.Services.GetRequiredService<SmtpConnectionLimiter>();
        for (var waited = 0; limiter.ActiveConnections > 0 && waited < 100; waited++) await Task.Delay(100);
        Assert.Equal(0, limiter.ActiveConnections);
    }

    [Fact]
    public async Task The_relay_stops_promptly_while_a_client_never_reads_its_replies()
    {
        var relay = await TestRelay.StartAsync();
        try
        {
            using var client = await NonReadingSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Registered);
            var writing = client.PipelineUntilResetAsync("EHLO exchange.contoso.test\r\n");
            Assert.True(await client.BlockedAsync(Bound), "the relay never stopped taking input");

            // Host:ShutdownTimeout is 30 s and Smtp:CommandTimeout 5 minutes: only an abort ends this soon.
            var stop = relay.Relay.StopAsync();
            Assert.Same(stop, await Task.WhenAny(stop, Task.Delay(TimeSpan.FromSeconds(10))));
            Assert.IsType<SocketException>(await writing.WaitAsync(Bound));
        }
        finally
        {
            await relay.DisposeAsync();
        }
    }
}
