using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Diagnostics;
using SmarthostLab.Relay.Storage;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests.Web;

/// <summary>
/// Keyset paging of the message list (issue 15): <c>before=</c> reads a page from the row key down, so the 100,000th
/// message costs what the first does; the plan says so.
/// </summary>
public sealed class KeysetPagingTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private SqliteMessageStore? _store;

    public async Task InitializeAsync()
    {
        _store = new SqliteMessageStore(Options.Create(new StoreOptions { DataFolder = _folder.Path }), TimeProvider.System,
            new RelayMetrics(new TestMeterFactory()), NullLogger<SqliteMessageStore>.Instance);
        await _store.OpenAsync();
        for (var from = 0; from < 1000; from += 250)
            await Task.WhenAll(Enumerable.Range(from, 250).Select(n => _store.AddMessageAsync(Message(n))));
    }

    private static NewMessage Message(int n) => new(
        new StoredMessage
        {
            Id = $"ID{n:D6}", Account = n % 2 == 0 ? "even" : "odd", ClientIp = "127.0.0.2", MailFrom = "a@contoso.test", Recipients = ["b@example.com"],
            Size = 10, ReceivedAt = DateTimeOffset.UtcNow, Subject = $"message {n}", Dmarc = n % 10 == 0 ? "fail" : "pass",
        },
        "0123456789"u8.ToArray(), "S: 220\r\n", $"Subject: message {n}\n");

    [Fact]
    public async Task Pages_read_before_a_message_are_the_pages_read_by_offset()
    {
        var store = _store!;
        foreach (var filter in new[] { new MessageQuery { Limit = 30 }, new MessageQuery { Limit = 30, Dmarc = "fail" }, new MessageQuery { Limit = 30, Account = "odd" } })
        {
            var byOffset = new List<string>();
            for (var offset = 0; ; offset += filter.Limit)
            {
                var page = await store.QueryMessagesAsync(filter with { Offset = offset });
                if (page.Messages.Count == 0) break;
                byOffset.AddRange(page.Messages.Select(m => m.Id));
            }
            var byKey = new List<string>();
            string? before = null;
            for (var pages = 0; pages < 100; pages++)
            {
                var page = await store.QueryMessagesAsync(filter with { Before = before });
                Assert.Equal(byOffset.Count, page.Total); // the count does not move with the cursor
                byKey.AddRange(page.Messages.Select(m => m.Id));
                if (page.Messages.Count < filter.Limit) break;
                before = page.Messages[^1].Id;
            }
            Assert.Equal(byOffset, byKey);
        }
        Assert.Equal(["ID000999", "ID000998"], (await store.QueryMessagesAsync(new MessageQuery { Limit = 2 })).Messages.Select(m => m.Id));
        Assert.Equal(["ID000009", "ID000008"], (await store.QueryMessagesAsync(new MessageQuery { Limit = 2, Before = "ID000010" })).Messages.Select(m => m.Id));
        Assert.Empty((await store.QueryMessagesAsync(new MessageQuery { Before = "no-such-id" })).Messages);
    }

    [Fact]
    public async Task A_page_before_a_message_is_a_search_on_the_row_key_with_no_sort()
    {
        foreach (var query in new[] { new MessageQuery { Before = "ID000500" }, new MessageQuery { Before = "ID000500", Dmarc = "fail", Account = "even" } })
        {
            var plan = await _store!.ExplainPageAsync(query);
            Assert.Contains("SEARCH messages USING INTEGER PRIMARY KEY (rowid<?)", plan);
            Assert.Contains(plan, step => step.Contains("sqlite_autoindex_messages_1 (id=?)", StringComparison.Ordinal)); // the cursor's row, by id
            Assert.DoesNotContain(plan, step => step.Contains("TEMP B-TREE", StringComparison.Ordinal));
            Assert.DoesNotContain(plan, step => step.StartsWith("SCAN messages", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task The_api_hands_out_the_next_cursor_and_takes_it_as_before()
    {
        await using var relay = await TestRelay.StartAsync();
        var store = relay.Relay.Services.GetRequiredService<IMessageStore>();
        for (var n = 0; n < 5; n++) await store.AddMessageAsync(Message(n));

        using var first = JsonDocument.Parse(await relay.Http.GetStringAsync("/api/v1/messages?limit=2"));
        Assert.Equal("ID000003", first.RootElement.GetProperty("next").GetString());
        Assert.Equal(5, first.RootElement.GetProperty("total").GetInt32());
        using var second = JsonDocument.Parse(await relay.Http.GetStringAsync("/api/v1/messages?limit=2&before=ID000003"));
        Assert.Equal(["ID000002", "ID000001"], second.RootElement.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        using var last = JsonDocument.Parse(await relay.Http.GetStringAsync("/api/v1/messages?limit=2&before=ID000001"));
        Assert.Equal(["ID000000"], last.RootElement.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        Assert.Equal(JsonValueKind.Null, last.RootElement.GetProperty("next").ValueKind); // not a full page: nothing below
    }

    public async Task DisposeAsync()
    {
        if (_store is not null) await _store.DisposeAsync();
        _folder.Dispose();
    }
}
