using System.Net;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace SmarthostLab.Testing.Tests;

/// <summary>The lab's DNS and a MailKit client bound to a chosen loopback address, for the tests of SmarthostLab.Testing.</summary>
internal static class LabMail
{
    public static readonly IPAddress Registered = IPAddress.Parse("127.0.0.2");
    public static readonly IPAddress Unregistered = IPAddress.Parse("127.0.0.3");

    /// <summary>contoso.test authorizes 127.0.0.2 and publishes DMARC p=reject; fabrikam.test authorizes no one, DMARC p=none.</summary>
    public const string Zone = """
        $TTL 300
        $ORIGIN contoso.test.
        @       IN TXT "v=spf1 ip4:127.0.0.2 -all"
        _dmarc  IN TXT "v=DMARC1; p=reject"
        $ORIGIN fabrikam.test.
        @       IN TXT "v=spf1 -all"
        _dmarc  IN TXT "v=DMARC1; p=none"
        """;

    /// <summary>The account contoso (127.0.0.2, contoso.test), the lab zone, and a DKIM key for contoso.test (s1) published in it.</summary>
    public static void Contoso(SmarthostRelayOptions o) =>
        o.Account("contoso", servers: ["127.0.0.2"], domains: ["contoso.test"]).Zone(Zone).DkimKey("contoso", "contoso.test");

    /// <summary>A unique token for one test's message.</summary>
    public static string NewToken() => "shl-" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>Sends one message from <paramref name="local"/> and returns the relay's final reply.</summary>
    public static async Task<string> SendAsync(SmarthostRelay relay, string subject, string from = "alice@contoso.test", IPAddress? local = null)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse("bob@example.com"));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "Hello from the tests of SmarthostLab.Testing.\r\n" };
        using var client = new SmtpClient { LocalEndPoint = new IPEndPoint(local ?? Registered, 0), Timeout = 30_000 };
        await client.ConnectAsync(relay.SmtpEndPoint.Address.ToString(), relay.SmtpEndPoint.Port, SecureSocketOptions.None);
        var reply = await client.SendAsync(message);
        await client.DisconnectAsync(quit: true);
        return reply;
    }
}
