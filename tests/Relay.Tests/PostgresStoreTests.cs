using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SmarthostLab.Contracts;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Diagnostics;
using SmarthostLab.Relay.Storage;
using SmarthostLab.Relay.Storage.Postgres;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests;

/// <summary>
/// The store contract on PostgreSQL (a database of the test's own, <see cref="PrivatePostgres"/>; skipped where there is
/// no PostgreSQL), and what several relays on one database share: commits seen by every relay, queue rows owned by one.
/// </summary>
public sealed class PostgresStoreTests : StoreContractTests
{
    private PrivatePostgres? _database;

    private protected override async Task<MessageStore> CreateAsync(StoreOptions options)
    {
        if (_database is null)
        {
            var unavailable = await PrivatePostgres.UnavailableAsync();
            Skip.If(unavailable is not null, unavailable);
            _database = (await PrivatePostgres.CreateAsync())!;
        }
        options.Provider = StoreOptions.PostgresProvider;
        options.ConnectionString = _database.ConnectionString;
        return new PostgresMessageStore(Options.Create(options), TimeProvider.System, new RelayMetrics(new TestMeterFactory()), NullLogger<PostgresMessageStore>.Instance);
    }

    private protected override Task<int> ExecuteOutsideAsync(MessageStore store, string sql) => _database!.ExecuteAsync(sql);

    /// <summary>A store of its own on the test's database, as another relay named <paramref name="node"/>.</summary>
    private async Task<PostgresMessageStore> RelayAsync(string node, TimeSpan? sweep = null) =>
        (PostgresMessageStore)await OpenAsync(new StoreOptions { NodeId = node, QueueSweepInterval = sweep ?? TimeSpan.FromHours(1), HeartbeatInterval = TimeSpan.FromHours(1) });

    private static NewMessage Queued(int n) => Tokened(n) with
    {
        Outbound =
        [
            new OutboundJob
            {
                MessageId = $"ID{n:D6}", MailFrom = "a@contoso.test", MailFromParameters = "", ReceivedAt = DateTimeOffset.UtcNow,
                Destination = "nexthop:[127.0.0.1]:9", Recipients = [new OutboundRecipientEntry { Index = 0, Address = "b@example.com", NextAttempt = DateTimeOffset.UtcNow }],
            },
        ],
    };

    [SkippableFact]
    public async Task A_message_stored_by_one_relay_wakes_a_wait_on_another_which_lists_it()
    {
        var a = await RelayAsync("relay-a");
        var b = await RelayAsync("relay-b");
        using var waiter = b.Waiters.Add("shl-000007-a1b2");
        var woken = waiter.NextAsync(CancellationToken.None);

        await a.AddMessageAsync(Tokened(7));

        Assert.Equal(["ID000007"], await woken.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("ID000007", (await b.FindMessageAsync(new MessageQuery { Token = "SHL-000007-A1B2" }))!.Id);
        Assert.Equal(["ID000007"], (await b.QueryMessagesAsync(new MessageQuery())).Messages.Select(m => m.Id));
        Assert.Equal("0123456789"u8.ToArray(), await b.GetRawAsync("ID000007"));
    }

    [SkippableFact]
    public async Task A_relay_that_needs_no_row_of_another_counts_them_unread_and_its_retention_still_applies()
    {
        var a = await RelayAsync("relay-a");
        var b = (PostgresMessageStore)await OpenAsync(new StoreOptions
        {
            NodeId = "relay-b", MaxMessages = 10, QueueSweepInterval = TimeSpan.FromHours(1), HeartbeatInterval = TimeSpan.FromHours(1),
        });
        for (var n = 0; n < 30; n++) await a.AddMessageAsync(Tokened(n));

        // B has no open wait, no token index and nobody on its page, so it reads none of A's rows (with N relays each
        // message would be read N - 1 times); it still counts them, and its retention trims the shared table to its limit.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((long)(await _database!.ScalarAsync("SELECT count(*) FROM messages"))! > 10 && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Equal(10L, await _database!.ScalarAsync("SELECT count(*) FROM messages"));
        Assert.Equal(10, (await b.QueryMessagesAsync(new MessageQuery())).Total);
        // A search on B afterwards reads the table itself and finds what A stored.
        Assert.Equal("ID000029", (await b.FindMessageAsync(new MessageQuery { Token = "SHL-000029-A1B2" }))!.Id);
    }

    [SkippableFact]
    public async Task A_relay_watching_a_message_is_woken_when_another_relay_records_its_delivery()
    {
        var a = await RelayAsync("relay-a");
        var b = await RelayAsync("relay-b");
        await a.AddMessageAsync(Queued(3));
        var stored = (await b.GetMessageAsync("ID000003"))!;
        using var waiter = b.Waiters.Add("shl-000003-a1b2");
        Assert.True(waiter.Watch(stored));
        var woken = waiter.NextAsync(CancellationToken.None);

        var now = DateTimeOffset.UtcNow;
        Assert.Empty(await a.RecordDeliveryAsync([DeliveryUpdate.ClaimOf(stored.Seq, 0)], []));
        Assert.Empty(await a.RecordDeliveryAsync([new DeliveryUpdate(stored.Seq, 0, false, DeliveryStates.Delivered, 1, now, now, "mx.example.com", "127.0.0.1:25", "250 ok")], []));

        Assert.Equal(["ID000003"], await woken.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(DeliveryStates.Delivered, Assert.Single((await b.GetMessageAsync("ID000003"))!.Delivery!).State);
    }

    [SkippableFact]
    public async Task A_queue_row_is_claimed_by_the_relay_that_stored_it_until_its_heartbeat_is_stale()
    {
        var a = await RelayAsync("relay-a");
        var b = await RelayAsync("relay-b");
        await a.AddMessageAsync(Queued(1));
        var seq = (await a.GetMessageAsync("ID000001"))!.Seq;
        var claim = DeliveryUpdate.ClaimOf(seq, 0);

        // relay-a lives: relay-b may neither claim the row nor record an outcome on it.
        Assert.Equal([claim], await b.RecordDeliveryAsync([claim], []));
        Assert.Empty(await a.RecordDeliveryAsync([claim], []));

        // relay-a's heartbeat goes stale (as if it was killed): relay-b's claim takes the row, and relay-a's is refused.
        Assert.Equal(1, await _database!.ExecuteAsync("UPDATE nodes SET heartbeat = now() - interval '1 hour' WHERE node = 'relay-a'"));
        Assert.Empty(await b.RecordDeliveryAsync([claim], []));
        Assert.Equal([claim], await a.RecordDeliveryAsync([claim], []));
        Assert.Equal("relay-b", await _database.ScalarAsync($"SELECT claimed_by FROM deliveries WHERE seq = {seq}"));

        // A delivered row is nobody's to claim.
        var now = DateTimeOffset.UtcNow;
        await b.RecordDeliveryAsync([new DeliveryUpdate(seq, 0, false, DeliveryStates.Delivered, 1, now, now, null, null, "250 ok")], []);
        Assert.Equal([claim], await b.RecordDeliveryAsync([claim], []));
    }

    [SkippableFact]
    public async Task The_sweep_takes_the_due_rows_of_a_relay_that_is_gone_and_never_those_of_a_live_one()
    {
        var a = await RelayAsync("relay-a");
        await a.AddMessageAsync(Queued(1));
        var b = await RelayAsync("relay-b", sweep: TimeSpan.FromMilliseconds(100));
        var swept = new TaskCompletionSource<IReadOnlyList<OutboundJob>>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.OutboundQueued = jobs => swept.TrySetResult(jobs);

        // At start relay-b takes no row of the live relay-a.
        Assert.Empty(await b.LoadOutboundAsync());
        for (var i = 0; i < 5; i++) await b.FlushAsync(); // sweeps come and go meanwhile
        Assert.False(swept.Task.IsCompleted);

        Assert.Equal(1, await _database!.ExecuteAsync("UPDATE nodes SET heartbeat = now() - interval '1 hour' WHERE node = 'relay-a'"));
        var job = Assert.Single(await swept.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(("ID000001", "b@example.com"), (job.MessageId, Assert.Single(job.Recipients).Address));
        Assert.Equal("relay-b", await _database.ScalarAsync("SELECT claimed_by FROM deliveries"));
    }

    [SkippableFact]
    public async Task A_clean_stop_gives_its_queue_rows_up_at_once()
    {
        var a = await RelayAsync("relay-a");
        await a.AddMessageAsync(Queued(1));
        await a.DisposeAsync();
        _stores.Remove(a);

        var b = await RelayAsync("relay-b");
        var job = Assert.Single(await b.LoadOutboundAsync());
        Assert.Equal("ID000001", job.MessageId);
        Assert.Equal(0L, await _database!.ScalarAsync("SELECT COUNT(*) FROM nodes WHERE node = 'relay-a'"));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
    }
}
