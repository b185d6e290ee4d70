using System.Net;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace SmarthostLab.Relay.Tests.Infrastructure;

/// <summary>MailKit helpers: a client bound to a local address, STARTTLS with the relay's self-signed certificate accepted.</summary>
public static class Mail
{
    public static MimeMessage Message(string subject, string from = "alice@contoso.test", string to = "bob@example.com", string body = "Hello.\r\n")
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("contoso.test");
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    public static async Task<SmtpClient> ConnectAsync(IPEndPoint server, IPAddress local, bool startTls = false)
    {
        var client = new SmtpClient
        {
            LocalEndPoint = new IPEndPoint(local, 0),
            ServerCertificateValidationCallback = (_, _, _, _) => true,
            CheckCertificateRevocation = false,
            Timeout = 30_000,
        };
        await client.ConnectAsync(server.Address.ToString(), server.Port, startTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None);
        return client;
    }

    /// <summary>Sends one message and returns the server's final reply text.</summary>
    public static async Task<string> SendAsync(IPEndPoint server, IPAddress local, MimeMessage message, bool startTls = false)
    {
        using var client = await ConnectAsync(server, local, startTls);
        var reply = await client.SendAsync(message);
        await client.DisconnectAsync(true);
        return reply;
    }

    /// <summary>The queue id from "Ok: queued as ID".</summary>
    public static string QueueIdOf(string reply) => reply[(reply.LastIndexOf(' ') + 1)..].Trim();
}
