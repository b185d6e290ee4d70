using System.Data.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
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

    [SkippableFact]
    public async Task Messages_that_reach_the_writer_together_get_seqs_in_arrival_order_with_their_queue_rows_index_entries_and_notification()
    {
        var a = await RelayAsync("relay-a");
        var batch = await WatchAsync(a);
        var messages = Enumerable.Range(0, 200).Select(Queued).ToList();

        var outcomes = await AsOneBatchAsync(a, messages);

        Assert.All(outcomes, Assert.Null);
        var queued = messages.Select(m => m.Metadata.Id).ToList();
        await batch.AssertStoredAsync(a, ["ID000999", .. queued], queued);
    }

    [SkippableFact]
    public async Task A_duplicate_id_in_the_middle_of_a_batch_fails_only_its_own_write_and_the_others_keep_arrival_order()
    {
        var a = await RelayAsync("relay-a");
        var batch = await WatchAsync(a);
        await a.AddMessageAsync(Tokened(100));
        var messages = Enumerable.Range(0, 200).Select(Queued).ToList();

        var outcomes = await AsOneBatchAsync(a, messages);

        var failed = Assert.Single(outcomes.Index(), o => o.Item is not null);
        Assert.Equal(100, failed.Index);
        Assert.Equal(PostgresErrorCodes.UniqueViolation, Assert.IsType<PostgresException>(failed.Item).SqlState);
        var queued = messages.Select(m => m.Metadata.Id).Where(id => id != "ID000100").ToList();
        await batch.AssertStoredAsync(a, ["ID000100", "ID000999", .. queued], queued);
    }

    /// <summary>
    /// Holds the writer on a lock of the messages table taken from outside (its INSERT of one more message waits for it)
    /// while <paramref name="messages"/> are queued, so that they reach it together, in one batch; returns each one's
    /// failure, null where it was stored.
    /// </summary>
    private async Task<Exception?[]> AsOneBatchAsync(MessageStore store, IReadOnlyList<NewMessage> messages)
    {
        await using var outside = new NpgsqlConnection(_database!.ConnectionString);
        await outside.OpenAsync();
        Task<Exception?>[] writes;
        Task first;
        await using (var hold = await outside.BeginTransactionAsync())
        {
            await using (var lockTable = new NpgsqlCommand("LOCK TABLE messages IN SHARE MODE", outside, hold)) await lockTable.ExecuteNonQueryAsync();
            first = store.AddMessageAsync(Tokened(999));
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while ((long)(await _database.ScalarAsync("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'messages'::regclass AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"))! == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the writer never waited for the lock");
                await Task.Delay(20);
            }
            writes = [.. messages.Select(m => Outcome(store.AddMessageAsync(m)))];
            await hold.CommitAsync();
        }
        await first;
        return await Task.WhenAll(writes);

        static async Task<Exception?> Outcome(Task write)
        {
            try
            {
                await write;
                return null;
            }
            catch (DbException exception)
            {
                return exception;
            }
        }
    }

    /// <summary>Before a batch: the token index built, a wait on message 150's token, the queue callback and a LISTEN of the test's own.</summary>
    private async Task<BatchWatch> WatchAsync(MessageStore store)
    {
        Assert.Null(await store.FindMessageAsync(new MessageQuery { Token = "shl-000000-a1b2c3d4" }));
        await store.TokenIndexLoaded.WaitAsync(TimeSpan.FromSeconds(30));
        var watch = new BatchWatch(store.Waiters.Add("shl-000150-a1b2"), new NpgsqlConnection(_database!.ConnectionString));
        store.OutboundQueued = jobs =>
        {
            lock (watch.Queued) watch.Queued.AddRange(jobs);
        };
        await watch.Listener.OpenAsync();
        watch.Listener.Notification += (_, e) =>
        {
            lock (watch.Notified)
                watch.Notified.UnionWith(e.Payload.Split('\n').Where(line => line.StartsWith("M ", StringComparison.Ordinal)).Select(line => long.Parse(line[2..], System.Globalization.CultureInfo.InvariantCulture)));
        };
        await using (var listen = new NpgsqlCommand($"LISTEN {PostgresMessageStore.Channel}", watch.Listener)) await listen.ExecuteNonQueryAsync();
        _watches.Add(watch);
        return watch;
    }

    private readonly List<BatchWatch> _watches = [];

    /// <summary>What a batch's commits are observed by besides the table: the open wait, the queue, the other relays' notification.</summary>
    private sealed class BatchWatch(MessageWaiter waiter, NpgsqlConnection listener) : IAsyncDisposable
    {
        private readonly Task<IReadOnlyList<string>> _woken = waiter.NextAsync(CancellationToken.None);

        public NpgsqlConnection Listener { get; } = listener;

        public List<OutboundJob> Queued { get; } = [];

        public HashSet<long> Notified { get; } = [];

        /// <summary>
        /// The table holds <paramref name="ids"/> in seq order; the queue got the jobs of <paramref name="queuedIds"/> in that
        /// order, each job and its queue row with its message's seq,
        /// the token index finds each, the wait on message 150 woke, and the notification named exactly the stored rows.
        /// </summary>
        public async Task AssertStoredAsync(MessageStore store, IReadOnlyList<string> ids, IReadOnlyList<string> queuedIds)
        {
            var seqs = new List<(string Id, long Seq)>();
            await using (var read = new NpgsqlCommand("SELECT id, seq FROM messages ORDER BY seq", Listener))
            await using (var rows = await read.ExecuteReaderAsync())
                while (await rows.ReadAsync()) seqs.Add((rows.GetString(0), rows.GetInt64(1)));
            Assert.Equal(ids, seqs.Select(s => s.Id));
            var seqOf = seqs.ToDictionary(s => s.Id, s => s.Seq);

            lock (Queued)
            {
                Assert.Equal(queuedIds, Queued.Select(job => job.MessageId));
                Assert.All(Queued, job => Assert.Equal(seqOf[job.MessageId], job.Seq));
            }
            var queueRows = new List<long>();
            await using (var read = new NpgsqlCommand("SELECT seq FROM deliveries WHERE claimed_by = 'relay-a' ORDER BY seq", Listener))
            await using (var rows = await read.ExecuteReaderAsync())
                while (await rows.ReadAsync()) queueRows.Add(rows.GetInt64(0));
            lock (Queued) Assert.Equal(Queued.Select(j => j.Seq), queueRows);

            foreach (var id in ids)
                Assert.Equal(id, (await store.FindMessageAsync(new MessageQuery { Token = $"shl-{id[2..]}-a1b2c3d4" }))!.Id);
            Assert.Equal(["ID000150"], await _woken.WaitAsync(TimeSpan.FromSeconds(30)));

            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (NotifiedCount() < seqs.Count && DateTime.UtcNow < deadline) await Listener.WaitAsync(TimeSpan.FromMilliseconds(200));
            lock (Notified) Assert.Equal(seqs.Select(s => s.Seq).Order(), Notified.Order());
        }

        private int NotifiedCount()
        {
            lock (Notified) return Notified.Count;
        }

        public async ValueTask DisposeAsync()
        {
            waiter.Dispose();
            await Listener.DisposeAsync();
        }
    }

    public override async Task DisposeAsync()
    {
        foreach (var watch in _watches) await watch.DisposeAsync();
        await base.DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
    }
}
