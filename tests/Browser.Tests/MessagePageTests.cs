using System.Net.Http.Json;
using System.Text.Json;
using OpenQA.Selenium;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Browser.Tests;

/// <summary>
/// The relay's page in headless Chromium: messages arrive live, open with their verdict explained and their transcript,
/// refusals arrive live, message content never runs as script, the page works on a narrow window and changes accounts
/// with the admin token.
/// </summary>
[Collection("browser")]
public sealed class MessagePageTests(Browser browser, PageRelayFixture fixture) : IClassFixture<PageRelayFixture>
{
    private PageRelay Lab => fixture.Relay;

    private void OpenPage(string route = "")
    {
        browser.Size(1400, 1000);
        browser.Open(new Uri(Lab.Page, route.Length == 0 ? "/" : "/#/" + route));
        browser.ElementWithText("#live", "live"); // the event stream is open: what is committed from now on arrives
    }

    /// <summary>A mark set in the page: still there later means the page was not reloaded.</summary>
    private void MarkDocument() => browser.Script("window.__sameDocument = 'yes';");

    private void AssertSameDocument() => Assert.Equal("yes", browser.Script("return window.__sameDocument;"));

    /// <summary>The message view's SPF, DKIM, DMARC and action badges.</summary>
    private string[] HeaderBadges() =>
        [.. new[] { "spf", "dkim", "dmarc", "action" }.Select(b => browser.Element($"[data-badge={b}] .badge").Text)];

    private static string Unique(string text) => $"{text} {Guid.NewGuid().ToString("N")[..8]}";

    [BrowserFact]
    public async Task A_message_sent_over_SMTP_appears_without_a_reload_and_opens_with_its_badges_and_transcript()
    {
        OpenPage();
        browser.Element("#list-summary");
        MarkDocument();
        var subject = Unique("Quarterly figures");

        var id = await Lab.SendAsync("alice@contoso.test", PageRelay.Message("Alice <alice@contoso.test>", subject));

        var row = browser.Element($"#message-rows tr[data-id='{id}']");
        AssertSameDocument();
        Assert.Equal(subject, row.FindElement(By.CssSelector(".c-subject a")).Text);
        Assert.Equal("127.0.0.2 lab", row.FindElement(By.CssSelector(".c-client")).Text);
        Assert.Equal("Alice <alice@contoso.test>", row.FindElement(By.CssSelector(".c-from")).Text);
        Assert.Equal("bob@example.com", row.FindElement(By.CssSelector(".c-to")).Text);
        Assert.Equal("pass", row.FindElement(By.CssSelector(".c-spf .badge")).Text);
        Assert.Equal("pass", row.FindElement(By.CssSelector(".c-dkim .badge")).Text);
        Assert.Equal("pass", row.FindElement(By.CssSelector(".c-dmarc .badge")).Text);
        Assert.Equal("accept", row.FindElement(By.CssSelector(".c-action .badge")).Text);
        Assert.Equal("stored", row.FindElement(By.CssSelector(".c-delivery")).Text);

        // Keyboard: j focuses the newest row's link, Enter opens it.
        browser.Driver.FindElement(By.TagName("body")).SendKeys("j");
        var focused = browser.Driver.SwitchTo().ActiveElement();
        Assert.Equal(subject, focused.Text);
        focused.SendKeys(Keys.Enter);

        Assert.Equal(subject, browser.Element("h1#subject").Text);
        Assert.Equal(["pass", "pass", "pass", "accept"], HeaderBadges());
        Assert.Equal("127.0.0.2", browser.Element("#client-ip").Text);
        var spf = browser.Element("#verdict tr[data-check=spf-egress] td.why").Text;
        Assert.Contains("198.51.100.25 is allowed to send for contoso.test", spf, StringComparison.Ordinal);
        Assert.Contains("\"v=spf1 ip4:192.0.2.10 include:_spf.smarthost.test -all\"", spf, StringComparison.Ordinal);
        Assert.Contains("mechanism \"include:_spf.smarthost.test\"", spf, StringComparison.Ordinal);
        Assert.Contains("d=contoso.test s=s1 a=rsa-sha256", browser.Element("#verdict tr[data-check=dkim-0]").Text, StringComparison.Ordinal);
        Assert.Contains("SPF aligned", browser.Element("#verdict tr[data-check=dmarc] td.why").Text, StringComparison.Ordinal);
        browser.Screenshot("web-message");

        browser.Element("#tab-transcript").Click();
        var transcript = browser.ElementWithText("#transcript", "MAIL FROM").Text;
        Assert.Contains("C: EHLO exchange.contoso.test", transcript, StringComparison.Ordinal);
        Assert.Contains("C: MAIL FROM:<alice@contoso.test>", transcript, StringComparison.Ordinal);
        Assert.Contains("S: 354", transcript, StringComparison.Ordinal);
        Assert.Matches(@"<\d+ octets of message data>", transcript);

        browser.Element("#tab-raw").Click();
        Assert.StartsWith("Authentication-Results: smarthost.test;", browser.ElementWithText("#raw", subject).Text, StringComparison.Ordinal);
        Assert.EndsWith($"/api/v1/messages/{id}/raw?download=1", browser.Element("#download").GetAttribute("href"), StringComparison.Ordinal);
        AssertSameDocument();
    }

    [BrowserFact]
    public async Task Each_row_shows_its_own_verdict_and_TLS()
    {
        OpenPage();
        browser.Element("#list-summary");
        var tagged = await Lab.SendAsync("eve@woodgrove.test", PageRelay.Message("Eve <eve@woodgrove.test>", Unique("Payment details changed")));
        var tls = await Lab.SendAsync("alice@contoso.test", PageRelay.Message("Alice <alice@contoso.test>", Unique("Board minutes")), startTls: true);
        var plain = await Lab.SendAsync("alice@contoso.test", PageRelay.Message("Alice <alice@contoso.test>", Unique("Lunch on Friday")), to: "carol@fabrikam.test");

        // Read in one step each (a row may be redrawn between two reads).
        string[] Badges(string id) => browser.Until(_ =>
        {
            var row = browser.Element($"#message-rows tr[data-id='{id}']");
            return new[] { "tls", "spf", "dkim", "dmarc", "action" }.Select(c => row.FindElement(By.CssSelector($".c-{c} .badge")).Text).ToArray();
        }, "the badges of " + id);
        Assert.Equal(["plain", "fail", "none", "fail", "tag"], Badges(tagged));
        Assert.Equal(["TLS 1.3", "pass", "pass", "pass", "accept"], Badges(tls));
        Assert.Equal(["plain", "pass", "pass", "pass", "accept"], Badges(plain));
        Assert.Equal("carol@fabrikam.test", browser.Element($"#message-rows tr[data-id='{plain}'] .c-to").Text);
        Assert.Equal([plain, tls, tagged], ((IEnumerable<object>)browser.Script("return [...document.querySelectorAll('#message-rows tr[data-id]')].slice(0, 3).map(r => r.dataset.id);")!).Cast<string>());
        browser.Screenshot("web-messages");
    }

    [BrowserFact]
    public async Task A_DMARC_failing_message_shows_why_it_failed()
    {
        var id = await Lab.SendAsync("eve@woodgrove.test", PageRelay.Message("Eve <eve@woodgrove.test>", Unique("Invoice")));
        OpenPage($"messages/{id}");

        Assert.Equal(["fail", "none", "fail", "tag"], HeaderBadges());
        var dmarc = browser.Element("#verdict tr[data-check=dmarc]").Text;
        Assert.Contains("DMARC fails for the From domain woodgrove.test", dmarc, StringComparison.Ordinal);
        Assert.Contains("Record: \"v=DMARC1; p=reject\" (policy reject)", dmarc, StringComparison.Ordinal);
        Assert.Contains("SPF not aligned: the egress check gave fail for woodgrove.test", dmarc, StringComparison.Ordinal);
        Assert.Contains("DKIM not aligned: no signature passed", dmarc, StringComparison.Ordinal);
        Assert.Contains("A receiver would reject it", dmarc, StringComparison.Ordinal);
        var spf = browser.Element("#verdict tr[data-check=spf-egress] td.why").Text;
        Assert.Contains("198.51.100.25 is not allowed to send for woodgrove.test", spf, StringComparison.Ordinal);
        Assert.Contains("The record \"v=spf1 ip4:192.0.2.200 -all\" decided with its mechanism \"-all\"", spf, StringComparison.Ordinal);
        Assert.Contains("The message carries no DKIM signature", browser.Element("#verdict tr[data-check=dkim-0]").Text, StringComparison.Ordinal);
        browser.Screenshot("web-dmarc-fail");
    }

    [BrowserFact]
    public async Task A_refused_connection_appears_in_the_refusals_without_a_reload()
    {
        OpenPage("refusals");
        browser.ElementWithText(".summary", "refusal");
        MarkDocument();

        await using (var client = await RawSmtpClient.ConnectAsync(Lab.Smtp, PageRelay.Unregistered))
        {
            Assert.StartsWith("554 5.7.1 127.0.0.3 is not a registered outbound server", await client.ReadReplyAsync());
            await client.CommandAsync("QUIT");
        }

        var row = browser.ElementWithText("#refusal-rows tr", "127.0.0.3");
        AssertSameDocument();
        Assert.Contains("unregistered-ip", row.Text, StringComparison.Ordinal);
        Assert.Contains("connect", row.Text, StringComparison.Ordinal);
        Assert.Contains("554 5.7.1 127.0.0.3 is not a registered outbound server of any account", row.Text, StringComparison.Ordinal);
        browser.Screenshot("web-refusals");
    }

    [BrowserFact]
    public async Task Script_in_a_message_shows_as_text_and_never_runs()
    {
        const string subject = "<script>alert('subject')</script> javascript:alert(1)";
        const string fromName = "<img src=x onerror=alert(2)>";
        const string text = "<script>alert(4)</script> javascript:alert(5) <b onmouseover=alert(6)>bold</b>";
        const string html = "<p id=\"inner\">html part</p><script>alert(7)</script><img src=x onerror=\"alert(8)\">" +
                            "<a href=\"javascript:alert(9)\">link</a><script>parent.document.title='pwned'</script>" +
                            "<img src=\"http://192.0.2.80/track.png\">";
        var body = "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n" +
                   "--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html + "\r\n--b--\r\n";
        var message = PageRelay.Message($"\"{fromName}\" <alice@contoso.test>", subject, body,
            "X-Evil: <script>alert(3)</script>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n");
        OpenPage();
        browser.Element("#list-summary");
        var id = await Lab.SendAsync("alice@contoso.test", message);

        var row = browser.Element($"#message-rows tr[data-id='{id}']");
        Assert.Equal(subject, row.FindElement(By.CssSelector(".c-subject a")).Text);
        Assert.Equal($"\"{fromName}\" <alice@contoso.test>", row.FindElement(By.CssSelector(".c-from")).Text);
        Assert.Equal(0L, browser.Script("return document.querySelectorAll('#message-rows img, #message-rows script, #message-rows b').length;"));
        Assert.Equal($"#/messages/{id}", row.FindElement(By.CssSelector(".c-subject a")).GetAttribute("href")![Lab.Page.ToString().Length..]);
        Assert.False(browser.AlertOpen());

        row.FindElement(By.CssSelector(".c-subject a")).Click();
        Assert.Equal(subject, browser.Element("h1#subject").Text);
        Assert.Contains(fromName, browser.Element(".pairs").Text, StringComparison.Ordinal);
        Assert.Equal(text, browser.Element("#body-text").Text);
        browser.Element("#tab-headers").Click();
        Assert.Contains("<script>alert(3)</script>", browser.ElementWithText("#headers", "X-Evil").Text, StringComparison.Ordinal);
        browser.Element("#tab-html").Click();
        var frame = browser.Element("#body-html");
        Assert.Equal("", frame.GetAttribute("sandbox"));
        browser.Driver.SwitchTo().Frame(frame);
        Assert.Equal("html part", browser.Element("#inner").Text);
        browser.Driver.SwitchTo().DefaultContent();

        // Only the page's own module script exists, nothing made from the message ran, and the title is the page's.
        Assert.Equal(1L, browser.Script("return document.querySelectorAll('script').length;"));
        Assert.False(browser.AlertOpen());
        Assert.NotEqual("pwned", browser.Driver.Title);
        browser.Screenshot("web-xss");
    }

    [BrowserFact]
    public async Task The_list_reads_on_a_narrow_window()
    {
        var subject = Unique("Narrow");
        var id = await Lab.SendAsync("alice@contoso.test", PageRelay.Message("Alice <alice@contoso.test>", subject));
        browser.Open(Lab.Page);
        browser.Size(400, 900);
        try
        {
            var row = browser.Element($"#message-rows tr[data-id='{id}']");
            Assert.True(row.FindElement(By.CssSelector(".c-subject a")).Displayed);
            Assert.False(browser.Element("table#messages").FindElement(By.TagName("thead")).Displayed);
            Assert.True((bool)browser.Script("return document.documentElement.scrollWidth <= window.innerWidth + 1;")!,
                "the page scrolls sideways on a 400 px window");
            browser.Screenshot("web-narrow");
        }
        finally
        {
            browser.Size(1400, 1000);
        }
    }

    [BrowserFact]
    public async Task Outbound_servers_are_added_and_removed_with_the_admin_token()
    {
        OpenPage("accounts");
        var card = browser.Element("[data-account=lab]");
        Assert.Contains("127.0.0.2", card.Text, StringComparison.Ordinal);

        // Without a token the page says what is needed and changes nothing.
        browser.Element("#add-lab").SendKeys("192.0.2.55");
        browser.Element("[data-account=lab] form button").Click();
        browser.ElementWithText(".note.error", "admin token");

        browser.Element("#token-button").Click();
        browser.Element("#token-input").SendKeys(PageRelay.AdminToken);
        browser.Element("#token-form").Submit();
        browser.Element("#add-lab").SendKeys("192.0.2.55");
        browser.Element("[data-account=lab] form button").Click();
        browser.ElementWithText(".note.ok", "Added 192.0.2.55 to lab");
        var added = browser.ElementWithText("[data-account=lab] .servers li", "192.0.2.55");
        Assert.Contains("192.0.2.55", await AccountServersAsync());

        added.FindElement(By.TagName("button")).Click();
        browser.ElementWithText(".note.ok", "Removed 192.0.2.55 from lab");
        Assert.DoesNotContain("192.0.2.55", await AccountServersAsync());
        browser.Script("sessionStorage.clear();");
    }

    [BrowserFact]
    public async Task The_queue_and_fault_tabs_show_what_the_relay_has()
    {
        OpenPage("queue");
        Assert.Contains("outbound connections 0", browser.Element("#queue .counts").Text, StringComparison.Ordinal);

        using var http = new HttpClient { BaseAddress = Lab.Page };
        using var faults = await http.GetAsync("/api/v1/faults");
        browser.Element("a[data-tab=faults]").Click();
        if (faults.StatusCode == System.Net.HttpStatusCode.NotFound)
            Assert.Equal("No fault rules API on this relay.", browser.Element("#no-faults").Text);
        else
            browser.Element("#fault-json");
    }

    private async Task<List<string>> AccountServersAsync()
    {
        using var http = new HttpClient { BaseAddress = Lab.Page };
        var json = await http.GetFromJsonAsync<JsonElement>("/api/v1/accounts");
        return [.. json.GetProperty("accounts")[0].GetProperty("outboundServers").EnumerateArray().Select(e => e.GetString()!)];
    }
}
