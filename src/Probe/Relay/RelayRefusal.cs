namespace SmarthostLab.Probe.Relay;

/// <summary>One refusal logged by the relay (docs/API.md, Refusal).</summary>
public sealed class RelayRefusal
{
    /// <summary>Row id.</summary>
    public long Id { get; set; }

    /// <summary>When it happened.</summary>
    public DateTimeOffset? Time { get; set; }

    /// <summary>Client IP.</summary>
    public string? ClientIp { get; set; }

    /// <summary>HELO name, when given before the refusal.</summary>
    public string? Helo { get; set; }

    /// <summary>Session stage: connect, helo, mail, rcpt, data, …</summary>
    public string? Stage { get; set; }

    /// <summary>The reply sent.</summary>
    public string? Reply { get; set; }

    /// <summary>Machine-readable reason, e.g. unregistered-ip.</summary>
    public string? Reason { get; set; }

    /// <summary>Account, when the client was admitted.</summary>
    public string? Account { get; set; }

    /// <summary>MAIL FROM, when given.</summary>
    public string? MailFrom { get; set; }

    /// <summary>Recipient, for RCPT refusals.</summary>
    public string? Recipient { get; set; }
}
