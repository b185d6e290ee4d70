using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using SmarthostLab.Smtp.Tests.Support;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Smtp.Tests;

/// <summary>SMTP AUTH over real loopback sockets through Kestrel, with MailKit and a raw client.</summary>
public sealed class AuthLoopbackTests
{
    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static SmtpClient NewClient() => new()
    {
        ServerCertificateValidationCallback = (_, _, _, _) => true,
        CheckCertificateRevocation = false,
        Timeout = 10_000,
    };

    private static MimeMessage NewMessage()
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("alice@contoso.test"));
        message.To.Add(MailboxAddress.Parse("bob@example.com"));
        message.Subject = "authenticated";
        message.Body = new TextPart("plain") { Text = "Hello." };
        return message;
    }

    [Theory]
    [InlineData("PLAIN")]
    [InlineData("LOGIN")]
    public async Task MailKit_authenticates_after_STARTTLS_and_sends(string mechanism)
    {
        using var cert = TestCertificates.SelfSigned();
        await using var host = await SmtpTestHost.StartAsync(certificate: cert, handler: new RecordingHandler { OffersAuth = true });
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", host.Port, SecureSocketOptions.StartTls);
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Authentication));
        Assert.Equal(["LOGIN", "PLAIN"], client.AuthenticationMechanisms.Order());
        client.AuthenticationMechanisms.RemoveWhere(m => m != mechanism);
        await client.AuthenticateAsync("alice", "s3cret!");
        await client.SendAsync(NewMessage());
        await client.DisconnectAsync(quit: true);

        var message = await host.Handler.FirstMessage.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((mechanism, "alice", "s3cret!"), Assert.Single(host.Handler.Authentications) is var a ? (a.Mechanism, a.User, a.Password) : default);
        Assert.Contains(host.Handler.Sessions, s => s.AuthenticatedUser == "alice" && s.TlsProtocol is not null);
        Assert.Contains($"C: AUTH {mechanism}", message.Transcript);
        Assert.Contains("S: 235 2.7.0 Authentication successful", message.Transcript);
        Assert.DoesNotContain("s3cret", message.Transcript);
        Assert.DoesNotContain(B64("s3cret!"), message.Transcript);
    }

    [Fact]
    public async Task MailKit_sees_no_AUTH_in_plain_text_and_a_wrong_password_gets_535_under_TLS()
    {
        using var cert = TestCertificates.SelfSigned();
        await using var host = await SmtpTestHost.StartAsync(certificate: cert, handler: new RecordingHandler { OffersAuth = true });
        using (var plain = NewClient())
        {
            await plain.ConnectAsync("127.0.0.1", host.Port, SecureSocketOptions.None);
            Assert.False(plain.Capabilities.HasFlag(SmtpCapabilities.Authentication));
            await Assert.ThrowsAsync<NotSupportedException>(() => plain.AuthenticateAsync("alice", "s3cret!"));
            await plain.DisconnectAsync(quit: true);
        }
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", host.Port, SecureSocketOptions.StartTls);
        var failure = await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync("alice", "wrong"));
        Assert.Contains("Authentication credentials invalid", failure.Message);
        await client.AuthenticateAsync("alice", "s3cret!");
        Assert.True(client.IsAuthenticated);
    }

    [Fact]
    public async Task An_AUTH_before_STARTTLS_is_forgotten_after_it()
    {
        using var cert = TestCertificates.SelfSigned();
        await using var host = await SmtpTestHost.StartAsync(o => o.AllowAuthWithoutTls = true, cert, new RecordingHandler { OffersAuth = true });
        await using var raw = await RawSmtpClient.ConnectAsync(host.Port);
        await raw.ReadReplyAsync();
        Assert.Contains("250-AUTH PLAIN LOGIN", await raw.CommandAsync("EHLO raw.test"));
        Assert.Equal("235 2.7.0 Authentication successful", await raw.CommandAsync("AUTH PLAIN " + B64("\0alice\0s3cret!")));
        Assert.Equal("503 5.5.1 Already authenticated", await raw.CommandAsync("AUTH PLAIN " + B64("\0alice\0s3cret!")));
        Assert.StartsWith("220 ", await raw.CommandAsync("STARTTLS"));
        await raw.StartTlsAsync();
        Assert.Contains("250-AUTH PLAIN LOGIN", await raw.CommandAsync("EHLO raw.test"));
        var session = Assert.Single(host.Handler.Sessions);
        Assert.Null(session.AuthenticatedUser);
        Assert.Equal("235 2.7.0 Authentication successful", await raw.CommandAsync("AUTH PLAIN " + B64("\0alice\0s3cret!")));
        Assert.Equal("alice", session.AuthenticatedUser);
        Assert.Equal(2, host.Handler.Authentications.Count);
    }
}
