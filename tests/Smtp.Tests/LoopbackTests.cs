using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Tests.Support;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Smtp.Tests;

/// <summary>End to end over real loopback sockets through Kestrel, with MailKit and a raw client.</summary>
public sealed class LoopbackTests
{
    private static MimeMessage NewMessage(string subject)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("alice@contoso.test"));
        message.To.Add(MailboxAddress.Parse("bob@example.com"));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "Hello.\n.leading dot\nBye." };
        return message;
    }

    private static async Task<ReceivedMessage> SendWithMailKitAsync(SmtpTestHost host, SmtpClient client, SecureSocketOptions security, string subject, int port = 0)
    {
        client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        client.CheckCertificateRevocation = false;
        client.Timeout = 5000;
        await client.ConnectAsync("127.0.0.1", port == 0 ? host.Port : port, security);
        await client.SendAsync(NewMessage(subject));
        await client.DisconnectAsync(quit: true);
        return await host.Handler.FirstMessage.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task MailKit_sends_a_message_in_plaintext()
    {
        await using var host = await SmtpTestHost.StartAsync();
        using var client = new SmtpClient();
        var message = await SendWithMailKitAsync(host, client, SecureSocketOptions.None, "plain one");
        Assert.Equal("alice@contoso.test", message.MailFrom);
        Assert.Equal(["bob@example.com"], message.Recipients);
        var text = Encoding.UTF8.GetString(message.Content);
        Assert.Contains("Subject: plain one\r\n", text);
        Assert.Contains("\r\n.leading dot\r\n", text); // stuffed by MailKit, unstuffed by us
        Assert.Null(message.Tls);
        Assert.Contains("C: DATA", message.Transcript);
    }

    [Fact]
    public async Task MailKit_sends_over_STARTTLS()
    {
        using var cert = TestCertificates.SelfSigned();
        await using var host = await SmtpTestHost.StartAsync(certificate: cert);
        using var client = new SmtpClient();
        var message = await SendWithMailKitAsync(host, client, SecureSocketOptions.StartTls, "over tls");
        Assert.NotNull(message.Tls);
        Assert.Contains("Subject: over tls", Encoding.UTF8.GetString(message.Content));
        Assert.Contains("TLS established", message.Transcript);
    }

    [Fact]
    public async Task MailKit_sends_over_implicit_TLS()
    {
        using var cert = TestCertificates.SelfSigned();
        await using var host = await SmtpTestHost.StartAsync(certificate: cert);
        using var client = new SmtpClient();
        var message = await SendWithMailKitAsync(host, client, SecureSocketOptions.SslOnConnect, "implicit", host.ImplicitTlsPort);
        Assert.NotNull(message.Tls);
        Assert.Contains(host.Handler.Sessions, s => s.ImplicitTls && s.TlsCipher is not null);
    }

    [Fact]
    public async Task MailKit_sends_with_BDAT_when_CHUNKING_is_offered()
    {
        await using var host = await SmtpTestHost.StartAsync();
        using var client = new BdatClient();
        var message = await SendWithMailKitAsync(host, client, SecureSocketOptions.None, "chunked");
        Assert.Contains("C: BDAT ", message.Transcript);
        Assert.DoesNotContain("C: DATA", message.Transcript);
        Assert.Contains("\r\n.leading dot\r\n", Encoding.UTF8.GetString(message.Content));
    }

    [Fact]
    public async Task MailKit_asks_for_DSN_and_the_handler_sees_NOTIFY_ORCPT_RET_and_ENVID()
    {
        await using var host = await SmtpTestHost.StartAsync();
        using var client = new DsnClient { DeliveryStatusNotificationType = DeliveryStatusNotificationType.HeadersOnly };
        var message = await SendWithMailKitAsync(host, client, SecureSocketOptions.None, "with dsn");
        Assert.Contains("C: MAIL FROM:<alice@contoso.test> ", message.Transcript);
        Assert.Equal(("HDRS", "QQ314159+2Bx"), (message.Envelope.Ret, message.Envelope.EnvelopeId));
        Assert.Equal("QQ314159+x", DsnParameters.DecodeXText(message.Envelope.EnvelopeId!));
        var parameters = Assert.Single(message.Envelope.RecipientParameters);
        var byKeyword = EsmtpParameter.Split(parameters).ToDictionary(p => p.Keyword, p => p.Value);
        Assert.Equal("SUCCESS,FAILURE", byKeyword["NOTIFY"]);
        Assert.Equal("rfc822;bob@example.com", byKeyword["ORCPT"]);
        Assert.True(DsnParameters.TryParseNotify(byKeyword["NOTIFY"], out var notify));
        Assert.Equal(DsnNotify.Success | DsnNotify.Failure, notify);
    }

    [Fact]
    public async Task A_raw_client_pipelines_a_whole_transaction_in_one_write()
    {
        await using var host = await SmtpTestHost.StartAsync();
        await using var raw = await RawSmtpClient.ConnectAsync(host.Port);
        Assert.Equal("220 relay.test ESMTP SmarthostLab ready", await raw.ReadReplyAsync());
        await raw.SendAsync("EHLO raw.test\r\nMAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test>\r\nDATA\r\n");
        Assert.StartsWith("250-relay.test", await raw.ReadReplyAsync());
        Assert.Equal("250 2.1.0 Sender OK", await raw.ReadReplyAsync());
        Assert.Equal("250 2.1.5 Recipient OK", await raw.ReadReplyAsync());
        Assert.StartsWith("354 ", await raw.ReadReplyAsync());
        await raw.SendAsync("Subject: raw\r\n\r\nx\r\n.\r\nMAIL FROM:<c@a.test>\r\nRCPT TO:<d@b.test>\r\nBDAT 3 LAST\r\nabcQUIT\r\n");
        Assert.Equal("250 2.0.0 Queued as TEST", await raw.ReadReplyAsync());
        Assert.Equal("250 2.1.0 Sender OK", await raw.ReadReplyAsync());
        Assert.Equal("250 2.1.5 Recipient OK", await raw.ReadReplyAsync());
        Assert.Equal("250 2.0.0 Queued as TEST", await raw.ReadReplyAsync());
        Assert.Equal("221 2.0.0 relay.test closing connection", await raw.ReadReplyAsync());
        Assert.Null(await raw.ReadLineAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(2, host.Handler.Messages.Count);
    }

    [Fact]
    public async Task Plaintext_pipelined_after_STARTTLS_is_never_answered()
    {
        using var cert = TestCertificates.SelfSigned();
        await using var host = await SmtpTestHost.StartAsync(certificate: cert);
        await using var raw = await RawSmtpClient.ConnectAsync(host.Port);
        await raw.ReadReplyAsync();
        await raw.SendAsync("EHLO raw.test\r\n");
        Assert.Contains("250-STARTTLS", await raw.ReadReplyAsync());
        await raw.SendAsync("STARTTLS\r\nNOOP\r\n");
        Assert.Equal("220 2.0.0 Ready to start TLS", await raw.ReadReplyAsync());
        await raw.StartTlsAsync();
        await raw.SendAsync("MAIL FROM:<a@a.test>\r\nEHLO raw.test\r\n");
        Assert.Equal("503 5.5.1 Bad sequence of commands", await raw.ReadReplyAsync()); // not "250 2.0.0 OK" for the injected NOOP; state reset to before EHLO
        var first = await raw.ReadReplyAsync();
        Assert.StartsWith("250-relay.test", first);
        Assert.DoesNotContain("STARTTLS", first);
        await raw.SendAsync("STARTTLS\r\n");
        Assert.Equal("503 5.5.1 TLS already active", await raw.ReadReplyAsync());
    }

    [Fact]
    public async Task Connections_past_the_per_IP_limit_get_421()
    {
        await using var host = await SmtpTestHost.StartAsync(o => o.MaxConnectionsPerIp = 1);
        await using var first = await RawSmtpClient.ConnectAsync(host.Port);
        Assert.StartsWith("220 ", await first.ReadReplyAsync());
        await using var second = await RawSmtpClient.ConnectAsync(host.Port);
        Assert.Equal("421 4.7.0 relay.test too many connections from 127.0.0.1, try again later", await second.ReadReplyAsync());
        Assert.Null(await second.ReadLineAsync(TimeSpan.FromSeconds(5)));
        Assert.Contains(host.Handler.Refusals, r => r is { Stage: "connect", Reason: "too-many-connections" });
        await first.SendAsync("QUIT\r\n");
        Assert.StartsWith("221 ", await first.ReadReplyAsync());
    }

    [Fact]
    public async Task Connections_past_the_total_limit_get_421()
    {
        await using var host = await SmtpTestHost.StartAsync(o => o.MaxConnections = 1);
        await using var first = await RawSmtpClient.ConnectAsync(host.Port);
        Assert.StartsWith("220 ", await first.ReadReplyAsync());
        await using var second = await RawSmtpClient.ConnectAsync(host.Port);
        Assert.Equal("421 4.7.0 relay.test too many connections, try again later", await second.ReadReplyAsync());
    }

    [Fact]
    public async Task Stopping_the_host_tells_waiting_sessions_421()
    {
        var host = await SmtpTestHost.StartAsync();
        await using var raw = await RawSmtpClient.ConnectAsync(host.Port);
        await raw.ReadReplyAsync();
        var stop = host.DisposeAsync().AsTask();
        Assert.Equal("421 4.3.2 relay.test service shutting down", await raw.ReadReplyAsync());
        await stop;
    }

    [Fact]
    public async Task A_failed_STARTTLS_handshake_closes_the_connection()
    {
        using var cert = TestCertificates.SelfSigned();
        await using var host = await SmtpTestHost.StartAsync(certificate: cert);
        await using var raw = await RawSmtpClient.ConnectAsync(host.Port);
        await raw.ReadReplyAsync();
        await raw.SendAsync("EHLO raw.test\r\n");
        await raw.ReadReplyAsync();
        await raw.SendAsync("STARTTLS\r\n");
        Assert.Equal("220 2.0.0 Ready to start TLS", await raw.ReadReplyAsync());
        await raw.SendAsync("this is not a TLS client hello\r\n\r\n\r\n\r\n");
        Assert.Null(await raw.ReadLineAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_plaintext_client_on_the_implicit_TLS_port_gets_nothing_and_is_closed()
    {
        using var cert = TestCertificates.SelfSigned();
        await using var host = await SmtpTestHost.StartAsync(certificate: cert);
        await using var raw = await RawSmtpClient.ConnectAsync(host.ImplicitTlsPort);
        await raw.SendAsync("EHLO raw.test\r\n\r\n\r\n\r\n\r\n\r\n");
        Assert.Null(await raw.ReadLineAsync(TimeSpan.FromSeconds(5)));
        Assert.Empty(host.Handler.Sessions);
    }

    /// <summary>MailKit with DSN (RFC 3461): NOTIFY=SUCCESS,FAILURE for every recipient and an envelope id.</summary>
    private sealed class DsnClient : SmtpClient
    {
        protected override DeliveryStatusNotification? GetDeliveryStatusNotifications(MimeMessage message, MailboxAddress mailbox) =>
            DeliveryStatusNotification.Success | DeliveryStatusNotification.Failure;

        protected override string GetEnvelopeId(MimeMessage message) => "QQ314159+x";
    }

    /// <summary>MailKit sends with BDAT when the server offers CHUNKING and the client prefers binary transfer.</summary>
    private sealed class BdatClient : SmtpClient
    {
        protected override bool PreferSendAsBinaryData => true;
    }
}
