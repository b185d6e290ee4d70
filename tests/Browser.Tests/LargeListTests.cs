using System.Net.Http.Json;
using System.Text.Json;
using OpenQA.Selenium;
using SmarthostLab.Contracts;
using SmarthostLab.Relay.Storage;

namespace SmarthostLab.Browser.Tests;

/// <summary>A relay holding 10,000 messages (stored through the store's API, 500 at a time), for paging.</summary>
public sealed class LargeListFixture : IAsyncLifetime
{
    public const int Count = 10_000;
    private PageRelay? _relay;

    public PageRelay Relay => _relay ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _relay = await PageRelay.StartAsync();
        var start = DateTimeOffset.UtcNow.AddHours(-3);
        for (var from = 0; from < Count; from += 500)
            await Task.WhenAll(Enumerable.Range(from, 500).Select(n => _relay.Store.AddMessageAsync(Message(n, start.AddSeconds(n)))));
    }

    /// <summary>Message <paramref name="n"/>: every tenth fails DMARC.</summary>
    private static NewMessage Message(int n, DateTimeOffset at)
    {
        var fail = n % 10 == 0;
        var spf = new SpfVerdict(fail ? SpfResult.Fail : SpfResult.Pass, "contoso.test", "198.51.100.25", "mailfrom");
        var verdict = new Verdict(spf, spf, null, [], new DmarcVerdict(fail ? DmarcResult.Fail : DmarcResult.Pass, "reject", "contoso.test", "contoso.test", !fail, false, fail ? "reject" : "none"),
            fail ? VerdictAction.Tag : VerdictAction.Accept);
        var subject = $"Prefilled {n:D5}";
        return new NewMessage(new StoredMessage
        {
            Id = $"PREFILL{n:D5}", Account = "lab", ClientIp = "127.0.0.2", Helo = "exchange.contoso.test", MailFrom = "alice@contoso.test",
            Recipients = ["bob@example.com"], Size = 100, ReceivedAt = at, Subject = subject, From = "alice@contoso.test",
            VerdictJson = VerdictJson.Serialize(verdict), Spf = VerdictJson.Word(spf.Result), Dkim = "none",
            Dmarc = VerdictJson.Word(verdict.Dmarc.Result), Action = VerdictJson.Word(verdict.Action),
        }, System.Text.Encoding.ASCII.GetBytes($"Subject: {subject}\r\n\r\nHello.\r\n"), "C: DATA\r\n", $"Subject: {subject}\n");
    }

    public Task DisposeAsync() => _relay?.DisposeAsync().AsTask() ?? Task.CompletedTask;
}

/// <summary>The list with 10,000 messages pages by the row key (before=) and filters on the server.</summary>
[Collection("browser")]
public sealed class LargeListTests(Browser browser, LargeListFixture fixture) : IClassFixture<LargeListFixture>
{
    private PageRelay Lab => fixture.Relay;

    /// <summary>The ids of the rows shown, read in one script (the list may be redrawn between two element reads).</summary>
    private List<string> ShownIds() =>
        [.. ((IEnumerable<object>)browser.Script("return [...document.querySelectorAll('#message-rows tr[data-id]')].map(r => r.dataset.id);")!).Cast<string>()];

    private async Task<(List<string> Ids, string? Next, int Total)> PageAsync(string query)
    {
        using var http = new HttpClient { BaseAddress = Lab.Page };
        var json = await http.GetFromJsonAsync<JsonElement>("/api/v1/messages?limit=50" + query);
        return ([.. json.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("id").GetString()!)],
            json.GetProperty("next").GetString(), json.GetProperty("total").GetInt32());
    }

    private List<string> WaitForPage(string firstId) =>
        browser.Until(_ => ShownIds() is { Count: > 0 } ids && ids[0] == firstId ? ids : null, "a page starting with " + firstId)!;

    [BrowserFact]
    public async Task Ten_thousand_messages_page_by_key_and_filter_on_the_server()
    {
        browser.Size(1400, 1000);
        browser.Open(Lab.Page);
        var (first, next, total) = await PageAsync("");
        Assert.Equal(LargeListFixture.Count, total);
        Assert.Equal(first, WaitForPage(first[0]));
        Assert.Equal("50 shown of 10000 messages", browser.Element("#list-summary").Text);

        // Older three times, each page the API's page below the last one shown; then Newer once.
        var pages = new List<List<string>> { first };
        for (var i = 0; i < 3; i++)
        {
            var (ids, below, _) = await PageAsync("&before=" + next);
            browser.Element("#page-older").Click();
            Assert.Equal(ids, WaitForPage(ids[0]));
            Assert.Empty(ids.Intersect(pages.SelectMany(p => p)));
            pages.Add(ids);
            next = below;
        }
        Assert.Equal("PREFILL09849", pages[3][0]); // stored in order: page 4 starts 150 below the newest
        browser.Screenshot("web-paging");
        browser.Element("#page-newer").Click();
        Assert.Equal(pages[2], WaitForPage(pages[2][0]));

        // The last page: 20 rows, nothing older.
        var (lastAnchor, _, _) = await PageAsync("&offset=9979");
        browser.Open(new Uri(Lab.Page, "/#/messages?before=" + lastAnchor[0]));
        var last = WaitForPage("PREFILL00019");
        Assert.Equal(20, last.Count);
        Assert.Equal("PREFILL00000", last[^1]);
        Assert.False(browser.Element("#page-older").Enabled);

        // A filter is applied by the relay: every tenth message failed DMARC.
        browser.Element("#page-newest").Click();
        WaitForPage("PREFILL09999");
        browser.Element("#f-dmarc").Click();
        browser.Driver.FindElement(By.CssSelector("#f-dmarc option[value=fail]")).Click();
        var failing = WaitForPage("PREFILL09990");
        Assert.Equal(50, failing.Count);
        Assert.All(failing, id => Assert.EndsWith("0", id, StringComparison.Ordinal));
        Assert.Equal("50 shown of 1000 messages", browser.ElementWithText("#list-summary", "of 1000").Text);
        Assert.All(browser.Elements("#message-rows .c-dmarc .badge"), b => Assert.Equal("fail", b.Text));
        Assert.Contains("dmarc=fail", browser.Driver.Url, StringComparison.Ordinal);
    }
}
