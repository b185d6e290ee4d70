using SmarthostLab.Verification;

namespace SmarthostLab.Probe.Relay;

/// <summary>A stored message as the relay's API returns it (docs/API.md, Message).</summary>
public sealed class RelayMessage
{
    /// <summary>Queue id.</summary>
    public string? Id { get; set; }

    /// <summary>Account the client IP belongs to.</summary>
    public string? Account { get; set; }

    /// <summary>The client IP the relay saw.</summary>
    public string? ClientIp { get; set; }

    /// <summary>EHLO/HELO name.</summary>
    public string? Helo { get; set; }

    /// <summary>TLS used between the MTA and the relay; null for plain text.</summary>
    public RelayTlsInfo? Tls { get; set; }

    /// <summary>The user the sending MTA authenticated as with SMTP AUTH; null when it did not.</summary>
    public string? AuthenticatedUser { get; set; }

    /// <summary>MAIL FROM.</summary>
    public string? MailFrom { get; set; }

    /// <summary>RCPT TO addresses.</summary>
    public List<string> Recipients { get; set; } = [];

    /// <summary>When the relay stored it.</summary>
    public DateTimeOffset? ReceivedAt { get; set; }

    /// <summary>Subject.</summary>
    public string? Subject { get; set; }

    /// <summary>Message-ID.</summary>
    public string? MessageId { get; set; }

    /// <summary>Flagged as quarantined.</summary>
    public bool Quarantined { get; set; }

    /// <summary>SPF/DKIM/DMARC verdict and the relay's action.</summary>
    public Verdict? Verdict { get; set; }

    /// <summary>Onward delivery, one entry per recipient in order (issue 13); empty from relays that predate it.</summary>
    public List<RelayDelivery> Delivery { get; set; } = [];

    /// <summary>On a delivery status notification the relay wrote: the id of the message it reports on; else null.</summary>
    public string? DsnOf { get; set; }
}
