using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace SmarthostLab.Interop.Tests;

/// <summary>
/// Postfix stands in for the customer's Exchange server: mail submitted to it is relayed through the
/// smarthost with Postfix's own dialog (it pipelines and uses STARTTLS when offered).
/// </summary>
[Collection(PostfixCollection.Name)]
public sealed class PostfixRelayTests
{
    [PostfixFact]
    public async Task Mail_relayed_by_Postfix_from_a_registered_address_is_stored_with_its_dialog()
    {
        await using var relay = await InteropRelay.StartAsync();
        await using var postfix = await PostfixHarness.AcquireAsync(relay.Relay.SmtpEndPoint.Port, "127.0.0.2");

        var token = "pfx-" + Guid.NewGuid().ToString("N");
        const string body = "Sent through Postfix.\r\n.Leading dot survives.\r\nÜmlaut in 8-bit body.\r\n";
        await SubmitAsync(postfix.SubmissionPort, token, body);

        var message = await relay.WaitAsync(token, 60)
            ?? throw new Xunit.Sdk.XunitException("the relay stored nothing within 60 s; Postfix log:\n" + PostfixHarness.LogTail());

        Assert.Equal("127.0.0.2", message.GetProperty("clientIp").GetString());
        Assert.Equal("contoso", message.GetProperty("account").GetString());
        Assert.Equal("exchange.contoso.test", message.GetProperty("helo").GetString());
        Assert.Equal("alice@contoso.test", message.GetProperty("mailFrom").GetString());
        Assert.Equal("bob@example.com", message.GetProperty("recipients")[0].GetString());
        // Postfix says STARTTLS when the relay offers it (smtp_tls_security_level = may).
        Assert.Equal(System.Text.Json.JsonValueKind.Object, message.GetProperty("tls").ValueKind);

        var id = message.GetProperty("id").GetString();
        var raw = await relay.Http.GetByteArrayAsync($"/api/v1/messages/{id}/raw");
        var text = Encoding.UTF8.GetString(raw);
        // The relay prepends its Authentication-Results, then its Received header naming Postfix's HELO and IP.
        Assert.StartsWith("Authentication-Results: ", text, StringComparison.Ordinal);
        Assert.Matches(@"\r\nReceived: from exchange\.contoso\.test \([^)]*\[127\.0\.0\.2\]\)", text);
        Assert.Contains("by exchange.contoso.test (Postfix)", text, StringComparison.Ordinal);
        Assert.Contains("Subject: interop " + token, text, StringComparison.Ordinal);
        Assert.Contains(body, text, StringComparison.Ordinal);

        var transcript = await relay.GetTextAsync($"/api/v1/messages/{id}/transcript");
        Assert.Contains("C: EHLO exchange.contoso.test", transcript, StringComparison.Ordinal);
        Assert.Contains("C: STARTTLS", transcript, StringComparison.Ordinal);
        Assert.Contains("C: MAIL FROM:<alice@contoso.test>", transcript, StringComparison.Ordinal);
    }

    [PostfixFact]
    public async Task Postfix_bound_to_an_unregistered_address_is_refused_and_the_refusal_is_listed()
    {
        await using var relay = await InteropRelay.StartAsync();
        await using var postfix = await PostfixHarness.AcquireAsync(relay.Relay.SmtpEndPoint.Port, "127.0.0.3");

        var token = "pfx-" + Guid.NewGuid().ToString("N");
        await SubmitAsync(postfix.SubmissionPort, token, "Should never arrive.\r\n");

        System.Text.Json.JsonElement refusal = default;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var page = await relay.GetJsonAsync("/api/v1/refusals?ip=127.0.0.3");
            if (page.GetProperty("refusals").GetArrayLength() > 0)
            {
                refusal = page.GetProperty("refusals")[0];
                break;
            }
            await Task.Delay(250);
        }
        Assert.True(refusal.ValueKind == System.Text.Json.JsonValueKind.Object, "no refusal recorded for 127.0.0.3; Postfix log:\n" + PostfixHarness.LogTail());
        Assert.Equal("connect", refusal.GetProperty("stage").GetString());
        Assert.StartsWith("554 5.7.1", refusal.GetProperty("reply").GetString(), StringComparison.Ordinal);

        var stored = await relay.GetJsonAsync($"/api/v1/messages?token={token}");
        Assert.Equal(0, stored.GetProperty("total").GetInt32());
    }

    internal static async Task SubmitAsync(int port, string token, string body)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Alice", "alice@contoso.test"));
        message.To.Add(new MailboxAddress("Bob", "bob@example.com"));
        message.Subject = "interop " + token;
        message.Body = new TextPart("plain") { Text = body, ContentTransferEncoding = ContentEncoding.EightBit };
        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None);
        await client.SendAsync(message);
        await client.DisconnectAsync(quit: true);
    }
}

/// <summary>Postfix tests in this assembly run one at a time (the harness also locks across processes).</summary>
[CollectionDefinition(Name)]
public sealed class PostfixCollection
{
    /// <summary>Collection name.</summary>
    public const string Name = "postfix";
}
