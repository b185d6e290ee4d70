using System.Collections.Concurrent;
using System.Net;
using SmarthostLab.Relay.Tests.Delivery;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;
using Xunit.Abstractions;

namespace SmarthostLab.Relay.Tests.Postgres;

/// <summary>
/// Issue 18's cluster: two relays on loopback behind a real HAProxy (round robin, <c>send-proxy-v2</c>, health checks),
/// one PostgreSQL database. Mail through HAProxy lands in the shared store and every relay lists it; when one relay is
/// killed with SIGKILL under load, HAProxy's checks move new connections to the other, and every message a client got
/// a 250 for is in the store. Skipped where PostgreSQL or HAProxy is absent.
/// </summary>
public sealed class ClusterTests(ITestOutputHelper output) : PostgresDatabaseTest
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    /// <summary>The test's database; skips the test where HAProxy or PostgreSQL is absent.</summary>
    private Task<PrivatePostgres> ClusterDatabaseAsync()
    {
        Skip.If(!PrivateHaproxy.IsAvailable(out var noHaproxy), noHaproxy);
        return DatabaseAsync();
    }

    /// <summary>A cluster node: the lab account for 127.0.0.2, PROXY protocol required, the shared database, short heartbeats.</summary>
    private static string[] NodeArgs(PrivatePostgres database, string node) =>
    [
        DeliveryLab.OfflineDns, "--Accounts:0:Name=lab", "--Accounts:0:OutboundServers:0=127.0.0.2", "--Accounts:0:Domains:0=contoso.test",
        "--Smtp:HostName=relay.test", "--Smtp:ProxyProtocol=Required",
        "--Store:Provider=Postgres", "--Store:ConnectionString=" + database.ConnectionString, "--Store:NodeId=" + node,
        "--Store:HeartbeatInterval=00:00:00.5", "--Store:NodeTimeout=00:00:03",
    ];

    [SkippableFact]
    public async Task Mail_through_HAProxy_lands_in_the_shared_store_spread_over_both_relays_and_each_lists_all()
    {
        var database = await ClusterDatabaseAsync();
        await using var a = await TestRelay.StartAsync(NodeArgs(database, "node-a"));
        await using var b = await TestRelay.StartAsync(NodeArgs(database, "node-b"));
        await using var haproxy = await PrivateHaproxy.StartAsync([a.Smtp, b.Smtp], HaproxyCheck.Connect, TimeSpan.FromMilliseconds(300));
        Assert.True(await haproxy.WaitForServersAsync("UP", Bound), haproxy.Output);

        var tokens = Enumerable.Range(0, 8).Select(n => $"cluster-{n}").ToList();
        foreach (var token in tokens) Assert.Equal(SendResult.Acknowledged, await SendOneAsync(haproxy.Frontend, token, CancellationToken.None));
        await using (var refused = await RawSmtpClient.ConnectAsync(haproxy.Frontend, TestRelay.Unregistered))
            Assert.StartsWith("554 5.7.1 127.0.0.3 is not a registered outbound server", await refused.ReadReplyAsync());

        // Round robin: each relay accepted some (its own counter), and each lists every message (the shared store),
        // with the client's address from the PROXY header, and the refusal of 127.0.0.3.
        var storedByA = await a.MetricAsync("smarthostlab_relay_messages_stored_total");
        var storedByB = await b.MetricAsync("smarthostlab_relay_messages_stored_total");
        Assert.True(storedByA > 0 && storedByB > 0, $"A stored {storedByA}, B stored {storedByB}");
        Assert.Equal(tokens.Count, storedByA + storedByB);
        foreach (var relay in new[] { a, b })
        {
            var list = await relay.MessagesAsync("?limit=100");
            Assert.Equal(tokens.Count, list.Total);
            Assert.Equal(tokens.Order(), list.Messages.Select(m => m.Subject!).Order());
            Assert.All(list.Messages, m => Assert.Equal("127.0.0.2", m.ClientIp));
            var refusal = Assert.Single((await relay.RefusalsAsync()).Refusals);
            Assert.Equal(("127.0.0.3", "connect", "unregistered-ip"), (refusal.ClientIp, refusal.Stage, refusal.Reason));
        }
    }

    [SkippableFact]
    public async Task Kill_9_of_one_relay_under_load_moves_new_connections_to_the_other_and_loses_no_acknowledged_message()
    {
        var database = await ClusterDatabaseAsync();
        var a = await RelayProcess.StartAsync(NodeArgs(database, "node-a"));
        await using var killed = a;
        a.DrainLog();
        await using var b = await TestRelay.StartAsync(NodeArgs(database, "node-b"));
        await using var haproxy = await PrivateHaproxy.StartAsync([IPEndPoint.Parse(a.SmtpEndpoint), b.Smtp], HaproxyCheck.Connect, TimeSpan.FromMilliseconds(200));
        Assert.True(await haproxy.WaitForServersAsync("UP", Bound), haproxy.Output);

        // Four senders, one message per session (so each message is a new connection for HAProxy to place), until the
        // test has what it needs: bounded by 2,000 attempts and a minute whatever happens.
        var acknowledged = new ConcurrentBag<string>();
        var failures = new ConcurrentBag<string>();
        var attempts = 0;
        var afterKill = 0;
        var killedAt = -1;
        using var stop = new CancellationTokenSource(Bound);
        async Task SenderAsync(int sender)
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                if (Interlocked.Increment(ref attempts) > 2_000) return;
                var token = $"kill-{sender}-{n:D4}"; // one width: no token is a part of another (the subject filter matches parts)
                var before = Volatile.Read(ref killedAt) >= 0;
                var result = await SendOneAsync(haproxy.Frontend, token, stop.Token);
                if (result == SendResult.Acknowledged)
                {
                    acknowledged.Add(token);
                    if (before) Interlocked.Increment(ref afterKill);
                }
                else failures.Add($"{token}: {result}");
            }
        }
        var senders = Enumerable.Range(0, 4).Select(s => Task.Run(() => SenderAsync(s))).ToArray();

        await WaitUntilAsync(() => acknowledged.Count >= 40, stop.Token);
        Volatile.Write(ref killedAt, acknowledged.Count);
        await a.KillAsync(); // SIGKILL: sessions in flight on A are cut
        // HAProxy's checks take A out; the senders keep going on B.
        var down = await WaitForStateAsync(haproxy, "relay0", "DOWN", stop.Token);
        await WaitUntilAsync(() => Volatile.Read(ref afterKill) >= 40, stop.Token);
        await stop.CancelAsync();
        await Task.WhenAll(senders);

        output.WriteLine($"{acknowledged.Count} acknowledged ({killedAt} before the kill, {afterKill} started after it), {failures.Count} cut or refused");
        foreach (var failure in failures.Take(20)) output.WriteLine(failure);
        Assert.True(down, "HAProxy never marked the killed relay DOWN:\n" + haproxy.Output);
        Assert.Equal("UP", (await haproxy.ServerStatesAsync())["relay1"]);
        Assert.True(afterKill >= 40, $"only {afterKill} messages were acknowledged after the kill");

        // Every message a client got a 250 for is in the shared store, once, and the surviving relay lists it.
        var tokens = acknowledged.ToHashSet();
        Assert.Equal(tokens.Count, acknowledged.Count);
        var inList = string.Join(",", tokens.Select(t => $"'{t}'"));
        Assert.Equal((long)tokens.Count, await database.ScalarAsync($"SELECT count(*) FROM messages WHERE subject IN ({inList})"));
        Assert.Equal((long)tokens.Count, await database.ScalarAsync($"SELECT count(DISTINCT subject) FROM messages WHERE subject IN ({inList})"));
        foreach (var token in tokens.Take(10).Concat(tokens.TakeLast(10)))
            Assert.Equal(token, Assert.Single((await b.MessagesAsync($"?subject={token}")).Messages).Subject);
    }

    private enum SendResult { Acknowledged, Refused, Cut }

    /// <summary>One message with <paramref name="token"/> as Subject over one session through <paramref name="frontend"/> from 127.0.0.2.</summary>
    private static async Task<SendResult> SendOneAsync(IPEndPoint frontend, string token, CancellationToken stop)
    {
        try
        {
            await using var client = await RawSmtpClient.ConnectAsync(frontend, TestRelay.Registered).WaitAsync(stop);
            var limit = TimeSpan.FromSeconds(10);
            if (!(await client.ReadReplyAsync(limit)).StartsWith("220", StringComparison.Ordinal)) return SendResult.Refused;
            foreach (var (command, expected) in new[] { ("EHLO exchange.contoso.test", "250"), ("MAIL FROM:<alice@contoso.test>", "250"), ("RCPT TO:<bob@example.com>", "250"), ("DATA", "354") })
            {
                await client.SendAsync(command + "\r\n");
                if (!(await client.ReadReplyAsync(limit)).StartsWith(expected, StringComparison.Ordinal)) return SendResult.Refused;
            }
            await client.SendAsync([.. DeliveryLab.Message(token), .. "\r\n.\r\n"u8]);
            return (await client.ReadReplyAsync(limit)).StartsWith("250 ", StringComparison.Ordinal) ? SendResult.Acknowledged : SendResult.Refused;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException or TimeoutException)
        {
            return SendResult.Cut; // the relay died under it, or the run is over: not acknowledged
        }
    }

    private static async Task WaitUntilAsync(Func<bool> done, CancellationToken stop)
    {
        while (!done() && !stop.IsCancellationRequested) await Task.Delay(50, CancellationToken.None);
    }

    private static async Task<bool> WaitForStateAsync(PrivateHaproxy haproxy, string server, string state, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if ((await haproxy.ServerStatesAsync()).TryGetValue(server, out var s) && s.StartsWith(state, StringComparison.Ordinal)) return true;
            await Task.Delay(100, CancellationToken.None);
        }
        return false;
    }
}
