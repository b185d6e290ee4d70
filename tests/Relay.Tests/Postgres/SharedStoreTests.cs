using System.Net.Http.Json;
using SmarthostLab.Relay.Api;
using SmarthostLab.Relay.Tests.Delivery;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests.Postgres;

/// <summary>
/// Two relays on one PostgreSQL database (issue 18): each relay's API sees every message, a wait on one returns a
/// message the other accepted, and the outbound queue is shared so that a next hop receives each recipient once,
/// including the mail of a relay that stopped or was killed. Skipped where there is no PostgreSQL.
/// </summary>
public sealed class SharedStoreTests : PostgresDatabaseTest
{
    private int _open; // 0: the next hop defers every message (451 after the content); 1: it accepts

    /// <summary>A next hop that answers 451 after each message's content until the test sets <see cref="_open"/>.</summary>
    private ScriptedSmtpServer DeferringNextHop() => ScriptedSmtpServer.Start(new ScriptedSmtpServerOptions
    {
        MessageReply = _ => Volatile.Read(ref _open) == 0 ? "451 4.3.0 try again later" : null,
    });

    /// <summary>The store arguments of a relay named <paramref name="node"/> on the test's database; short heartbeat and sweep.</summary>
    private static string[] StoreArgs(PrivatePostgres database, string node) =>
    [
        "--Store:Provider=Postgres", "--Store:ConnectionString=" + database.ConnectionString, "--Store:NodeId=" + node,
        "--Store:HeartbeatInterval=00:00:00.5", "--Store:NodeTimeout=00:00:03", "--Store:QueueSweepInterval=00:00:00.2",
    ];

    [SkippableFact]
    public async Task A_message_sent_to_one_relay_is_returned_by_a_wait_on_the_other_and_listed_there()
    {
        var database = await DatabaseAsync();
        await using var a = await DeliveryLab.StartAsync(StoreArgs(database, "relay-a"));
        await using var b = await DeliveryLab.StartAsync(StoreArgs(database, "relay-b"));

        // The wait is open on B before A has the message: only A's commit, told to B, can answer it.
        var wait = b.Http.GetAsync($"/api/v1/wait?token=shared-wait-1&timeout={DeliveryLab.WaitSeconds}");
        var id = await a.SendAsync(DeliveryLab.Message("shared-wait-1"));

        var response = await wait;
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var found = (await response.Content.ReadFromJsonAsync(RelayJson.Context.MessageResponse))!;
        Assert.Equal(id, found.Id);
        Assert.Equal(id, Assert.Single((await b.MessagesAsync()).Messages).Id);
        Assert.Equal(await a.RawAsync(id), await b.RawAsync(id));
        // And a message B accepts is on A's list too.
        var second = await b.SendAsync(DeliveryLab.Message("shared-wait-2"));
        Assert.Equal([second, id], (await a.MessagesAsync()).Messages.Select(m => m.Id));
    }

    [SkippableFact]
    public async Task Queue_rows_of_a_relay_that_stopped_are_delivered_by_the_other_and_each_recipient_once()
    {
        var database = await DatabaseAsync();
        await using var nextHop = DeferringNextHop();
        await using var b = await DeliveryLab.StartNextHopAsync(nextHop, StoreArgs(database, "relay-b"));
        var tokens = new List<string>();
        await using (var a = await DeliveryLab.StartNextHopAsync(nextHop, StoreArgs(database, "relay-a")))
        {
            for (var n = 0; n < 6; n++)
            {
                tokens.Add($"shared-queue-a{n}");
                await a.SendAsync(DeliveryLab.Message(tokens[^1]), recipients: ["<bob@example.com>", "<carol@example.com>"]);
            }
            // Every recipient was tried by A and deferred: A owns them.
            foreach (var token in tokens) await a.WaitForAsync(token, "deferred");
        }
        // A stopped cleanly and gave its rows up; B also gets mail of its own.
        for (var n = 0; n < 3; n++)
        {
            tokens.Add($"shared-queue-b{n}");
            await b.SendAsync(DeliveryLab.Message(tokens[^1]), recipients: ["<bob@example.com>", "<carol@example.com>"]);
        }
        Volatile.Write(ref _open, 1);

        foreach (var token in tokens) Assert.All((await b.WaitForAsync(token, "delivered")).Delivery, d => Assert.Equal("delivered", d.State));
        AssertEachRecipientDeliveredOnce(nextHop, tokens);
    }

    [SkippableFact]
    public async Task Queue_rows_of_a_killed_relay_are_taken_over_once_its_heartbeat_is_stale()
    {
        var database = await DatabaseAsync();
        await using var nextHop = DeferringNextHop();
        await using var b = await DeliveryLab.StartNextHopAsync(nextHop, StoreArgs(database, "relay-b"));
        var tokens = Enumerable.Range(0, 4).Select(n => $"shared-kill-{n}").ToList();
        await using (var a = await RelayProcess.StartAsync(
        [
            "--Accounts:0:Name=lab", "--Accounts:0:OutboundServers:0=127.0.0.2", "--Accounts:0:Domains:0=contoso.test",
            "--Smtp:HostName=relay.test", .. DeliveryLab.NextHopArgs(nextHop), .. StoreArgs(database, "relay-a"),
        ]))
        {
            a.DrainLog();
            var smtp = System.Net.IPEndPoint.Parse(a.SmtpEndpoint);
            foreach (var token in tokens) await DeliveryLab.SendAsync(smtp, DeliveryLab.Message(token));
            // B sees A's messages (the shared store) and waits until A has deferred each: A owns them.
            foreach (var token in tokens) await b.WaitForAsync(token, "deferred");
            await a.KillAsync();
        }
        Volatile.Write(ref _open, 1);

        // A's heartbeat goes stale after Store:NodeTimeout; B's sweep then takes its rows.
        foreach (var token in tokens) Assert.Equal("delivered", (await b.WaitForAsync(token, "delivered")).Only().State);
        AssertEachRecipientDeliveredOnce(nextHop, tokens);
    }

    /// <summary>Each recipient of each token's message was accepted by the next hop (250 after the content) exactly once.</summary>
    private static void AssertEachRecipientDeliveredOnce(ScriptedSmtpServer nextHop, IEnumerable<string> tokens)
    {
        var accepted = nextHop.Transactions.Where(t => t.EndReply?.StartsWith("250", StringComparison.Ordinal) == true).ToList();
        foreach (var token in tokens)
        {
            var deliveries = accepted.Where(t => t.ContentText.Contains($"Subject: {token}\r\n", StringComparison.Ordinal))
                .SelectMany(t => t.AcceptedRecipients).GroupBy(r => r).ToList();
            Assert.NotEmpty(deliveries);
            Assert.All(deliveries, g => Assert.True(g.Count() == 1, $"{token} to {g.Key} was delivered {g.Count()} times"));
        }
    }
}
