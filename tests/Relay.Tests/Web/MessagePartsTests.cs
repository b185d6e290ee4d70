using System.Net;
using System.Text.Json;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Relay.Web;

namespace SmarthostLab.Relay.Tests.Web;

/// <summary>The message as the page shows it (issue 15): MIME read by the relay, the HTML under its own policy, the .eml download.</summary>
public sealed class MessagePartsTests
{
    private const string Multipart =
        "From: =?utf-8?q?J=C3=BCrgen?= <juergen@contoso.test>\r\nTo: bob@example.com\r\nSubject: =?utf-8?b?R3LDvMOfZQ==?=\r\n" +
        "MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=outer\r\n\r\n" +
        "--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n" +
        "--inner\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlain text.\r\n" +
        "--inner\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hi <img src=\"cid:logo@x\"></p><script>alert(1)</script>\r\n--inner--\r\n" +
        "--outer\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n" +
        "--outer\r\nContent-Type: application/pdf; name=\"report.pdf\"\r\nContent-Disposition: attachment; filename=\"report.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n" +
        "--outer--\r\n";

    private static async Task<string> SendAsync(TestRelay relay, string message)
    {
        await using var client = await relay.OpenDataAsync();
        await client.SendAsync(message + ".\r\n");
        var reply = await client.ReadReplyAsync();
        Assert.StartsWith("250", reply);
        return Mail.QueueIdOf(reply);
    }

    [Fact]
    public async Task Parts_give_decoded_headers_text_html_with_inline_images_and_attachments()
    {
        await using var relay = await TestRelay.StartAsync("--Verification:Dns:Offline=true");
        var id = await SendAsync(relay, Multipart);
        using var parts = JsonDocument.Parse(await relay.Http.GetStringAsync($"/api/v1/messages/{id}/parts"));
        var root = parts.RootElement;
        var headers = root.GetProperty("headers").EnumerateArray().Select(h => (h.GetProperty("name").GetString(), h.GetProperty("value").GetString())).ToList();
        Assert.Contains(("Subject", "Grüße"), headers);
        Assert.Contains(("From", "Jürgen <juergen@contoso.test>"), headers);
        Assert.Contains(headers, h => h.Item1 == "Received" && h.Item2!.StartsWith("from ", StringComparison.Ordinal)); // the relay's own, as stored
        Assert.Equal("Plain text.", root.GetProperty("text").GetString()!.Trim());
        var html = root.GetProperty("html").GetString()!;
        Assert.Contains("<img src=\"data:image/png;base64,iVBORw0KGgo=\">", html, StringComparison.Ordinal);
        Assert.False(root.GetProperty("htmlTruncated").GetBoolean());
        var attachment = Assert.Single(root.GetProperty("attachments").EnumerateArray());
        Assert.Equal("report.pdf", attachment.GetProperty("fileName").GetString());
        Assert.Equal("application/pdf", attachment.GetProperty("contentType").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("problem").ValueKind);
    }

    [Fact]
    public async Task The_html_route_serves_the_html_part_under_a_policy_that_runs_and_loads_nothing()
    {
        await using var relay = await TestRelay.StartAsync("--Verification:Dns:Offline=true");
        var id = await SendAsync(relay, Multipart);
        using var response = await relay.Http.GetAsync($"/api/v1/messages/{id}/html");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(MessagePartsEndpoints.HtmlPolicy, string.Join(' ', response.Headers.GetValues("Content-Security-Policy")));
        Assert.Contains("default-src 'none'", MessagePartsEndpoints.HtmlPolicy, StringComparison.Ordinal);
        Assert.Contains("sandbox", MessagePartsEndpoints.HtmlPolicy, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", MessagePartsEndpoints.HtmlPolicy, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.StartsWith("<p>Hi <img src=\"data:image/png", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var plain = await SendAsync(relay, "Subject: plain\r\n\r\nNo HTML here.\r\n");
        using var none = await relay.Http.GetAsync($"/api/v1/messages/{plain}/html");
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Contains("has no HTML part", await none.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var unknown = await relay.Http.GetAsync("/api/v1/messages/nope/parts");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Raw_with_download_is_an_eml_attachment_and_without_it_is_not()
    {
        await using var relay = await TestRelay.StartAsync("--Verification:Dns:Offline=true");
        var id = await SendAsync(relay, "Subject: keep\r\n\r\nBody.\r\n");
        using var download = await relay.Http.GetAsync($"/api/v1/messages/{id}/raw?download=1");
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal($"{id}.eml", download.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal("message/rfc822", download.Content.Headers.ContentType?.MediaType);
        using var inline = await relay.Http.GetAsync($"/api/v1/messages/{id}/raw");
        Assert.Null(inline.Content.Headers.ContentDisposition);
        Assert.Equal(await inline.Content.ReadAsByteArrayAsync(), await download.Content.ReadAsByteArrayAsync());
    }
}
