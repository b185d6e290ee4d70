using System.Net;
using SmarthostLab.Smtp.Protocol;

namespace SmarthostLab.Relay.Session;

/// <summary>Every reply the relay's handler sends (as opposed to the SMTP layer's own).</summary>
public static class RelayReplies
{
    /// <summary>In place of the greeting for an unregistered client (Admission:RefuseAt = Connect).</summary>
    public static SmtpReply UnregisteredAtConnect(IPAddress ip) => new(554, "5.7.1", $"{ip} is not a registered outbound server of any account");

    /// <summary>Each RCPT of an unregistered client (Admission:RefuseAt = Rcpt).</summary>
    public static SmtpReply RelayingDenied(IPAddress ip) => new(550, "5.7.1", $"relaying denied: {ip} is not a registered outbound server");

    /// <summary>MAIL FROM outside the account's domains when its MailFromPolicy is Reject.</summary>
    public static SmtpReply SenderDomainRefused(string domain, string account) => new(550, "5.7.1", $"{domain} is not a domain of account {account}");

    /// <summary>The message could not be committed to the store.</summary>
    public static readonly SmtpReply StoreFailed = new(451, "4.3.0", "message not stored, please try again later");

    /// <summary>The message was committed durably.</summary>
    public static SmtpReply Queued(string queueId) => new(250, "2.0.0", $"Ok: queued as {queueId}");
}
