using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Diagnostics;
using SmarthostLab.Relay.Storage;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Smtp.Session;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests;

/// <summary>
/// The store's behaviour behind <see cref="IMessageStore"/>, the same with each provider (issue 18): run by
/// <see cref="StoreTests"/> on SQLite and by <see cref="PostgresStoreTests"/> on PostgreSQL (skipped without one).
/// </summary>
public abstract class StoreContractTests : IAsyncLifetime
{
    private protected readonly TempFolder _folder = new();
    private protected readonly List<MessageStore> _stores = [];

    /// <summary>A new, unopened store of the provider with <paramref name="options"/> (skips the test when the provider is missing).</summary>
    private protected abstract Task<MessageStore> CreateAsync(StoreOptions options);

    /// <summary>Runs <paramref name="sql"/> on <paramref name="store"/>'s database from a connection of the test's own.</summary>
    private protected abstract Task<int> ExecuteOutsideAsync(MessageStore store, string sql);

    private protected async Task<MessageStore> OpenAsync(StoreOptions? options = null)
    {
        options ??= new StoreOptions();
        options.DataFolder = _folder.Path;
        var store = await CreateAsync(options);
        await store.OpenAsync();
        _stores.Add(store);
        return store;
    }

    private protected static NewMessage Message(int n, DateTimeOffset? at = null) => new(
        new StoredMessage
        {
            Id = $"ID{n:D6}",
            ClientIp = "127.0.0.2",
            MailFrom = "a@contoso.test",
            Recipients = ["b@example.com"],
            Size = 10,
            ReceivedAt = at ?? DateTimeOffset.UtcNow,
            Subject = $"message {n}",
        },
        "0123456789"u8.ToArray(), "S: 220\r\n", $"Subject: message {n}\nX-Token: tok{n}\n");

    /// <summary><see cref="Message"/> with a probe-style token (<c>shl-NNNNNN-a1b2c3d4</c>) in a header of its own.</summary>
    private protected static NewMessage Tokened(int n) => Message(n) with { HeaderText = $"Subject: message {n}\nX-Probe-Token: shl-{n:D6}-a1b2c3d4\n" };

    [SkippableFact]
    public async Task Concurrent_writes_commit_in_batches_and_all_complete()
    {
        var store = await OpenAsync();
        await Task.WhenAll(Enumerable.Range(0, 300).Select(n => store.AddMessageAsync(Message(n))));
        Assert.Equal(300, (await store.QueryMessagesAsync(new MessageQuery { Limit = 1 })).Total);
        Assert.Equal("message 299", (await store.QueryMessagesAsync(new MessageQuery { Token = "tok299" })).Messages.Single().Subject);
        Assert.Equal("0123456789"u8.ToArray(), await store.GetRawAsync("ID000042"));
    }

    [SkippableFact]
    public async Task A_message_in_two_parts_is_stored_as_their_exact_concatenation()
    {
        var store = await OpenAsync();
        var tails = Enumerable.Range(0, 20).Select(n =>
        {
            var tail = new byte[n * 37_001 + 1];
            new Random(n).NextBytes(tail);
            return tail;
        }).ToArray();
        // Tails held as the session holds a message: pooled 64 KiB segments, so the larger ones span several, and every
        // third one past 64 KiB in a spool file.
        using var spool = new TempFolder();
        var contents = tails.Select((tail, n) =>
        {
            var content = n % 3 == 0 ? new MessageContent(long.MaxValue, 64 * 1024, spool.Path) : new MessageContent(long.MaxValue);
            Assert.True(content.TryAppend(tail.AsSpan(n % 2)));
            return content;
        }).ToArray();
        Assert.Contains(contents, c => c.IsSpooled);
        await Task.WhenAll(contents.Select((content, n) => store.AddMessageAsync(Message(n) with { RawTail = content.OpenRead() })));
        foreach (var content in contents) content.Dispose();
        await store.AddMessageAsync(Message(100));
        for (var n = 0; n < tails.Length; n++)
        {
            var stored = await store.GetRawAsync($"ID{n:D6}");
            byte[] expected = [.. "0123456789"u8, .. tails[n].AsSpan(n % 2)];
            Assert.Equal(expected, stored);
        }
        Assert.Equal("0123456789"u8.ToArray(), await store.GetRawAsync("ID000100"));
    }

    [SkippableFact]
    public async Task Many_waiting_writers_share_transactions()
    {
        var batches = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "smarthostlab.relay.store.batch.size" && instrument.Meter.Scope is TestMeterFactory) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, _, _, _) => Interlocked.Increment(ref batches));
        listener.Start();
        var store = await OpenAsync();
        await Task.WhenAll(Enumerable.Range(0, 200).Select(n => Task.Run(() => store.AddMessageAsync(Message(n)))));
        Assert.InRange(batches, 1, 150);
    }

    [SkippableFact]
    public async Task Retention_keeps_MaxMessages_newest()
    {
        var store = await OpenAsync(new StoreOptions { MaxMessages = 3 });
        for (var n = 0; n < 5; n++) await store.AddMessageAsync(Message(n));
        var page = await store.QueryMessagesAsync(new MessageQuery());
        Assert.Equal(["ID000004", "ID000003", "ID000002"], page.Messages.Select(m => m.Id));
        Assert.Null(await store.GetRawAsync("ID000000"));
    }

    [SkippableFact]
    public async Task Retention_of_a_full_store_trims_to_99_percent_so_it_does_not_delete_in_every_commit()
    {
        var store = await OpenAsync(new StoreOptions { MaxMessages = 200 });
        await Task.WhenAll(Enumerable.Range(0, 200).Select(n => store.AddMessageAsync(Message(n))));
        Assert.Equal(200, (await store.QueryMessagesAsync(new MessageQuery { Limit = 1 })).Total);

        // One past the limit: that one and 1 % more go, the oldest first.
        await store.AddMessageAsync(Message(200));
        Assert.Equal(198, (await store.QueryMessagesAsync(new MessageQuery { Limit = 1 })).Total);
        foreach (var gone in new[] { "ID000000", "ID000001", "ID000002" }) Assert.Null(await store.GetRawAsync(gone));
        Assert.NotNull(await store.GetRawAsync("ID000003"));

        // The next two fit without a delete; the third passes the limit again.
        await store.AddMessageAsync(Message(201));
        await store.AddMessageAsync(Message(202));
        Assert.Equal(200, (await store.QueryMessagesAsync(new MessageQuery { Limit = 1 })).Total);
        await store.AddMessageAsync(Message(203));
        var page = await store.QueryMessagesAsync(new MessageQuery { Limit = 1 });
        Assert.Equal(198, page.Total);
        Assert.Equal("ID000203", page.Messages.Single().Id);
        Assert.Null(await store.GetRawAsync("ID000005"));
        Assert.NotNull(await store.GetRawAsync("ID000006"));
    }

    [SkippableFact]
    public async Task Retention_recounts_once_per_interval_after_rows_were_deleted_outside_the_relay()
    {
        var store = await OpenAsync(new StoreOptions { MaxMessages = 3, RetentionInterval = TimeSpan.FromMilliseconds(50) });
        for (var n = 0; n < 3; n++) await store.AddMessageAsync(Message(n));
        Assert.Equal(2, await ExecuteOutsideAsync(store, "DELETE FROM messages WHERE id IN ('ID000000', 'ID000001')"));
        await Task.Delay(150);
        await store.FlushAsync(); // a batch after the interval: retention runs, and recounts

        for (var n = 3; n < 6; n++) await store.AddMessageAsync(Message(n));

        // One message was left, three came: the oldest goes and three stay, not one.
        Assert.Equal(["ID000005", "ID000004", "ID000003"], (await store.QueryMessagesAsync(new MessageQuery())).Messages.Select(m => m.Id));
    }

    [SkippableFact]
    public async Task Retention_drops_messages_older_than_MaxAge()
    {
        var store = await OpenAsync(new StoreOptions { MaxAge = TimeSpan.FromHours(1), RetentionInterval = TimeSpan.FromMilliseconds(50) });
        await store.AddMessageAsync(Message(1, DateTimeOffset.UtcNow.AddHours(-2)));
        await store.AddMessageAsync(Message(2));
        await Task.Delay(300);
        await store.FlushAsync();
        Assert.Equal(["ID000002"], (await store.QueryMessagesAsync(new MessageQuery())).Messages.Select(m => m.Id));
    }

    [SkippableFact]
    public async Task Refusals_are_listed_newest_first_and_filtered_by_ip()
    {
        var store = await OpenAsync();
        store.AddRefusal(new RefusalRecord(0, DateTimeOffset.UtcNow, "127.0.0.3", null, "connect", "554 5.7.1 x", "unregistered-ip", null, null, null));
        store.AddRefusal(new RefusalRecord(0, DateTimeOffset.UtcNow, "127.0.0.4", "h", "rcpt", "550 5.7.1 y", "unregistered-ip", null, "a@b", "c@d"));
        var all = await store.QueryRefusalsAsync(new RefusalQuery());
        Assert.Equal(["127.0.0.4", "127.0.0.3"], all.Refusals.Select(r => r.ClientIp));
        Assert.Equal("c@d", Assert.Single((await store.QueryRefusalsAsync(new RefusalQuery(Ip: "127.0.0.4"))).Refusals).Recipient);
    }

    [SkippableFact]
    public async Task The_token_index_costs_nothing_until_a_search_asks_for_it_then_covers_every_message()
    {
        var store = await OpenAsync();
        await Task.WhenAll(Enumerable.Range(0, 100).Select(n => store.AddMessageAsync(Tokened(n))));
        Assert.Equal(0, store.TokenIndexEntries);
        Assert.Equal("ID000007", (await store.FindMessageAsync(new MessageQuery { Token = "shl-000007-a1b2" }))!.Id); // a scan
        await Task.WhenAll(Enumerable.Range(100, 100).Select(n => store.AddMessageAsync(Tokened(n))));
        await store.TokenIndexLoaded;
        Assert.Equal(200, store.TokenIndexEntries);

        // The writer added the rows stored since the search asked; the load the 100 before (and perhaps some of those).
        foreach (var n in new[] { 0, 7, 99, 100, 150, 199 })
            Assert.Equal($"ID{n:D6}", (await store.FindMessageAsync(new MessageQuery { Token = $"shl-{n:D6}-a1b2" }))!.Id);
        Assert.Null(await store.FindMessageAsync(new MessageQuery { Token = "shl-000200-a1b2" }));
    }

    [SkippableFact]
    public async Task A_commit_wakes_only_the_waits_whose_token_it_stored()
    {
        var store = await OpenAsync();
        using var matching = store.Waiters.Add("SHL-000007-A1B2");
        using var other = store.Waiters.Add("shl-999999-a1b2");
        var woken = matching.NextAsync(CancellationToken.None);
        var notWoken = other.NextAsync(CancellationToken.None);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(n => store.AddMessageAsync(Tokened(n))));

        Assert.Equal(["ID000007"], await woken.WaitAsync(TimeSpan.FromSeconds(10)));
        await store.AddMessageAsync(Tokened(21));
        Assert.False(notWoken.IsCompleted);
        Assert.Equal(2, store.Waiters.Count);
    }

    [SkippableFact]
    public async Task A_duplicate_id_fails_only_its_own_write_and_the_others_are_found_by_token()
    {
        var store = await OpenAsync();
        await store.AddMessageAsync(Tokened(1));
        // Likely one batch: it fails, and is committed again one write at a time, reusing the rolled-back rows.
        var results = await Task.WhenAll(new[] { Tokened(1), Tokened(2), Tokened(3) }.Select(async m =>
        {
            try
            {
                await store.AddMessageAsync(m);
                return true;
            }
            catch (System.Data.Common.DbException)
            {
                return false;
            }
        }));
        Assert.Equal([false, true, true], results);
        foreach (var n in new[] { 1, 2, 3 })
            Assert.Equal($"ID{n:D6}", (await store.FindMessageAsync(new MessageQuery { Token = $"shl-{n:D6}-a1b2c3d4" }))!.Id);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var store in _stores) await store.DisposeAsync();
        _folder.Dispose();
    }
}
