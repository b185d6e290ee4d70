using System.Net;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using SmarthostLab.Testing;

namespace Testing.Sample;

public sealed class SmarthostRelayTests(ContosoRelay contoso) : IClassFixture<ContosoRelay>
{
    private readonly SmarthostRelay _relay = contoso.Relay;

    [Fact]
    public async Task Mail_from_our_registered_server_passes_spf_dkim_and_dmarc()
    {
        var token = "sample-" + Guid.NewGuid().ToString("N");
        await SendAsync(from: "alice@contoso.test", subject: $"Invoice {token}", bind: "127.0.0.2");

        var message = await _relay.WaitForMessageAsync(token, TimeSpan.FromSeconds(30));

        Assert.Equal("contoso", message.Account);
        message.ShouldPassSpf()
            .ShouldBeDkimSignedBy("contoso.test")
            .ShouldPassDmarc()
            .ShouldHaveAction("accept");
    }

    [Fact]
    public async Task A_spoofed_sender_fails_dmarc_and_is_tagged()
    {
        var token = "sample-" + Guid.NewGuid().ToString("N");
        await SendAsync(from: "mallory@fabrikam.test", subject: $"Urgent {token}", bind: "127.0.0.2");

        var message = await _relay.WaitForMessageAsync(token);

        message.ShouldHaveSpf("fail").ShouldHaveDmarc("fail").ShouldHaveAction("tag");
        var failure = Assert.Throws<SmarthostAssertionException>(() => message.ShouldPassDmarc());
        Assert.Contains("but found DMARC fail: From domain fabrikam.test", failure.Message);
    }

    [Fact]
    public async Task An_unregistered_server_is_refused_and_shows_up_in_refusals()
    {
        var refused = await Assert.ThrowsAsync<SmtpCommandException>(
            () => SendAsync(from: "alice@contoso.test", subject: "from the wrong server", bind: "127.0.0.3"));

        Assert.Equal(554, (int)refused.StatusCode);
        var refusal = await _relay.WaitForRefusalAsync("127.0.0.3");
        Assert.Equal("unregistered-ip", refusal.Reason);
        Assert.Equal("554 5.7.1 127.0.0.3 is not a registered outbound server of any account", refusal.Reply);
    }

    /// <summary>Sends one message to the relay with MailKit, from a socket bound to <paramref name="bind"/>.</summary>
    private async Task SendAsync(string from, string subject, string bind)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse("bob@example.com"));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "Hello from the SmarthostLab.Testing sample.\r\n" };

        using var client = new SmtpClient { LocalEndPoint = new IPEndPoint(IPAddress.Parse(bind), 0), Timeout = 30_000 };
        await client.ConnectAsync(_relay.SmtpEndPoint.Address.ToString(), _relay.SmtpEndPoint.Port, SecureSocketOptions.None);
        await client.SendAsync(message);
        await client.DisconnectAsync(quit: true);
    }
}
