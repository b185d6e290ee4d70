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

/// <summary>The store contract on SQLite, and what only SQLite has (its query plans, its file lock, its migrations).</summary>
public sealed class StoreTests : StoreContractTests
{
    private protected override Task<MessageStore> CreateAsync(StoreOptions options) =>
        Task.FromResult<MessageStore>(new SqliteMessageStore(Options.Create(options), TimeProvider.System, new RelayMetrics(new TestMeterFactory()), NullLogger<SqliteMessageStore>.Instance));

    private protected override async Task<int> ExecuteOutsideAsync(MessageStore store, string sql)
    {
        await using var outside = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={((SqliteMessageStore)store).DatabasePath}");
        await outside.OpenAsync();
        using var command = outside.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Retention_counts_a_delete_in_the_same_batch_and_keeps_the_new_messages()
    {
        var store = (SqliteMessageStore)await OpenAsync(new StoreOptions { MaxMessages = 3 });
        for (var n = 0; n < 3; n++) await store.AddMessageAsync(Message(n));

        // Hold SQLite's write lock from outside, so the writes below queue up behind the first and commit together.
        await using (var blocker = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={store.DatabasePath}"))
        {
            await blocker.OpenAsync();
            using (var begin = blocker.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE";
                await begin.ExecuteNonQueryAsync();
            }
            // The writer takes the first write alone and blocks on the lock; the rest queue up as the next batch.
            var first = store.AddMessageAsync(Message(3));
            await Task.Delay(200);
            Assert.False(first.IsCompleted);
            var deleteAll = store.DeleteAllMessagesAsync();
            var added = new[] { 4, 5, 6 }.Select(n => store.AddMessageAsync(Message(n))).ToArray();
            using (var rollback = blocker.CreateCommand())
            {
                rollback.CommandText = "ROLLBACK";
                await rollback.ExecuteNonQueryAsync();
            }
            await first;
            await deleteAll;
            await Task.WhenAll(added);
        }

        // The delete emptied the store, so the three new messages are within MaxMessages and all stay.
        var page = await store.QueryMessagesAsync(new MessageQuery());
        Assert.Equal(["ID000006", "ID000005", "ID000004"], page.Messages.Select(m => m.Id));
        await store.AddMessageAsync(Message(7));
        Assert.Equal(["ID000007", "ID000006", "ID000005"], (await store.QueryMessagesAsync(new MessageQuery())).Messages.Select(m => m.Id));
    }

    [Fact]
    public async Task A_token_search_reads_the_index_candidates_by_key_and_finds_what_LIKE_finds()
    {
        var store = (SqliteMessageStore)await OpenAsync();
        await Task.WhenAll(Enumerable.Range(0, 150).Select(n => store.AddMessageAsync(Tokened(n))));
        Assert.Contains("SCAN messages", await store.ExplainFindAsync(new MessageQuery { Token = "shl-000042-a1b2" })); // asks for the index
        await Task.WhenAll(Enumerable.Range(150, 150).Select(n => store.AddMessageAsync(Tokened(n))));
        await store.TokenIndexLoaded;

        var plan = await store.ExplainFindAsync(new MessageQuery { Token = "shl-000042-a1b2" });
        Assert.Contains("SEARCH messages USING INTEGER PRIMARY KEY (rowid=?)", plan);
        Assert.DoesNotContain(plan, step => step.StartsWith("SCAN messages", StringComparison.Ordinal));
        Assert.Equal("ID000042", (await store.FindMessageAsync(new MessageQuery { Token = "SHL-000042-A1B2" }))!.Id);
        Assert.Equal(["ID000109", "ID000108"], (await store.QueryMessagesAsync(new MessageQuery { Token = "shl-00010", Limit = 2 })).Messages.Select(m => m.Id));
        Assert.Equal(10, (await store.QueryMessagesAsync(new MessageQuery { Token = "shl-00010" })).Total);
        Assert.Null(await store.FindMessageAsync(new MessageQuery { Token = "shl-000300-a1b2" }));
        Assert.Equal(300, (await store.QueryMessagesAsync(new MessageQuery { Token = "-a1b2c3d4" })).Total);
        // Under 8 characters a token has no window of trigrams to look up: LIKE scans every row.
        Assert.Contains("SCAN messages", await store.ExplainFindAsync(new MessageQuery { Token = "42-a1b2" }));
        Assert.Equal(3, (await store.QueryMessagesAsync(new MessageQuery { Token = "42-A1B2" })).Total);
        // Given ids, the rows are read by id.
        Assert.Contains("SEARCH messages USING INDEX sqlite_autoindex_messages_1 (id=?)", await store.ExplainFindAsync(new MessageQuery { Token = "shl-000042-a1b2" }, ["ID000042"]));
    }

    [Fact]
    public async Task A_migration_missing_below_the_highest_applied_one_is_applied_at_open()
    {
        var store = (SqliteMessageStore)await OpenAsync();
        await store.DisposeAsync();
        _stores.Remove(store);
        // As a store made by a build that had migration 0004 but not yet 0003 (they were written on parallel branches).
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_folder.Path, "relay.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "DROP TABLE fault_rules; DELETE FROM schema_version WHERE version = 3;";
            await command.ExecuteNonQueryAsync();
        }

        await OpenAsync();

        await using var check = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_folder.Path, "relay.db")};Mode=ReadOnly;Pooling=False");
        await check.OpenAsync();
        await using var query = check.CreateCommand();
        query.CommandText = "SELECT (SELECT COUNT(*) FROM sqlite_master WHERE name = 'fault_rules'), (SELECT COUNT(*) FROM schema_version WHERE version = 3)";
        await using var reader = await query.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal((1L, 1L), (reader.GetInt64(0), reader.GetInt64(1)));
    }
}
