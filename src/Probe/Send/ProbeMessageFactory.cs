using System.Globalization;
using MimeKit;
using MimeKit.Utils;

namespace SmarthostLab.Probe.Send;

/// <summary>Builds the verification message: the token in the Subject and in <see cref="ProbeToken.HeaderName"/>.</summary>
public static class ProbeMessageFactory
{
    /// <summary>Creates the message from <paramref name="from"/> to <paramref name="to"/> carrying <paramref name="token"/>.</summary>
    public static MimeMessage Create(string from, string to, string token, DateTimeOffset now)
    {
        if (!MailboxAddress.TryParse(from, out var sender))
        {
            throw new ProbeException($"--from '{from}' is not an e-mail address");
        }

        if (!MailboxAddress.TryParse(to, out var recipient))
        {
            throw new ProbeException($"--to '{to}' is not an e-mail address");
        }

        var domain = sender.Domain.Length > 0 ? sender.Domain : "smarthostlab.test";
        var message = new MimeMessage
        {
            Subject = $"SmarthostLab probe {token}",
            Date = now,
            MessageId = MimeUtils.GenerateMessageId(domain),
        };
        message.From.Add(sender);
        message.To.Add(recipient);
        message.Headers.Add(ProbeToken.HeaderName, token);
        message.Body = new TextPart("plain")
        {
            Text = string.Create(CultureInfo.InvariantCulture,
                $"This is a SmarthostLab verification message.\r\nToken: {token}\r\nSent: {now.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}\r\nIt checks that mail from {sender.Address} leaves through the smarthost.\r\n"),
        };
        return message;
    }
}
