using System.Net;
using System.Net.Http.Json;
using SmarthostLab.Relay.Api;
using SmarthostLab.Relay.Tests.Delivery;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests.Postgres;

/// <summary>
/// Issue 18: the relays' connections to PostgreSQL are cut (a server restart, a failover, a pooler recycling them:
/// here every backend of the database is terminated). The writer and the listener reconnect by themselves: the next
/// message is accepted and committed, and a wait on the other relay still sees it. Skipped where there is no PostgreSQL.
/// </summary>
public sealed class ConnectionLossTests : PostgresDatabaseTest
{
    [SkippableFact]
    public async Task After_every_connection_to_the_database_was_cut_the_relays_reconnect_accept_and_see_each_others_mail()
    {
        var database = await DatabaseAsync();
        string[] Args(string node) => ["--Store:Provider=Postgres", "--Store:ConnectionString=" + database.ConnectionString, "--Store:NodeId=" + node];
        await using var a = await DeliveryLab.StartAsync(Args("relay-a"));
        await using var b = await DeliveryLab.StartAsync(Args("relay-b"));
        var first = await a.SendAsync(DeliveryLab.Message("before-the-cut"));
        Assert.Equal(first, (await b.WaitForAsync("before-the-cut", "stored")).Id);

        var cut = await database.ScalarAsync(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
        Assert.True((long)cut! >= 4, $"only {cut} connections were cut"); // each relay's writer and listener at least

        // The next message: a client that gets a temporary failure tries again, as an MTA would; whatever got a 250 is
        // in the store. The writer reconnects, so a 250 comes within a few tries.
        string? second = null;
        for (var attempt = 0; attempt < 5 && second is null; attempt++)
        {
            second = await TrySendAsync(a.Smtp, "after-the-cut");
            if (second is null) await Task.Delay(500);
        }
        Assert.NotNull(second);
        var stored = (await a.MessageAsync(second)).Id;
        Assert.Equal(second, stored);

        // The other relay's listener reconnected too: a wait there returns the message accepted after the cut.
        var response = await b.Http.GetAsync($"/api/v1/wait?token=after-the-cut&timeout={DeliveryLab.WaitSeconds}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(second, (await response.Content.ReadFromJsonAsync(RelayJson.Context.MessageResponse))!.Id);
        // And a wait opened on B before A stores a third message is woken by A's NOTIFY on the new connections.
        var wait = b.Http.GetAsync($"/api/v1/wait?token=third-after-the-cut&timeout={DeliveryLab.WaitSeconds}");
        var third = await a.SendAsync(DeliveryLab.Message("third-after-the-cut"));
        Assert.Equal(third, (await (await wait).Content.ReadFromJsonAsync(RelayJson.Context.MessageResponse))!.Id);
    }

    [SkippableFact]
    public async Task While_the_database_refuses_connections_mail_gets_451_and_the_API_503_then_both_recover()
    {
        var database = await DatabaseAsync();
        await using var relay = await DeliveryLab.StartAsync("--Store:Provider=Postgres", "--Store:ConnectionString=" + database.ConnectionString);
        await relay.SendAsync(DeliveryLab.Message("before-the-outage"));

        // The database stops taking connections (as during a restart or a failover), and the relay's are cut.
        await using var server = await ServerAsync(database);
        await ExecuteAsync(server, $"ALTER DATABASE \"{database.Database}\" ALLOW_CONNECTIONS false");
        await ExecuteAsync(server, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database.Database}'");
        try
        {
            // No 250 for a message that is not committed: the client is told to try later.
            var (client, reply) = await DeliveryLab.TransactAsync(relay.Smtp, DeliveryLab.Message("during-the-outage"));
            await client.DisposeAsync();
            Assert.StartsWith("451 4.3.0", reply);
            // A read is answered 503 with Retry-After, naming the store, not a bare 500.
            var response = await relay.Http.GetAsync("/api/v1/messages");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
            Assert.Contains("the store could not be read", await response.Content.ReadAsStringAsync());
        }
        finally
        {
            await ExecuteAsync(server, $"ALTER DATABASE \"{database.Database}\" ALLOW_CONNECTIONS true");
        }

        // Back: the next message is accepted, and the list has both accepted ones and not the refused one.
        string? after = null;
        for (var attempt = 0; attempt < 10 && after is null; attempt++)
        {
            after = await TrySendAsync(relay.Smtp, "after-the-outage");
            if (after is null) await Task.Delay(500);
        }
        Assert.NotNull(after);
        var subjects = (await relay.MessagesAsync()).Messages.Select(m => m.Subject).Order();
        Assert.Equal(["after-the-outage", "before-the-outage"], subjects);
    }

    /// <summary>A connection to the server's own database (postgres), from which the test's database can be closed.</summary>
    private static async Task<Npgsql.NpgsqlConnection> ServerAsync(PrivatePostgres database)
    {
        var connection = new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(Npgsql.NpgsqlConnection connection, string sql)
    {
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>One message over one session from the registered address; its queue id on 250, null on a 4xx at the end of data.</summary>
    private static async Task<string?> TrySendAsync(IPEndPoint smtp, string token)
    {
        var (client, reply) = await DeliveryLab.TransactAsync(smtp, DeliveryLab.Message(token));
        await client.DisposeAsync();
        if (reply.StartsWith("4", StringComparison.Ordinal)) return null;
        Assert.StartsWith("250 ", reply);
        return Mail.QueueIdOf(reply);
    }
}
