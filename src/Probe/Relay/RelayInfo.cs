namespace SmarthostLab.Probe.Relay;

/// <summary>GET /api/v1/info (docs/API.md, Service).</summary>
public sealed class RelayInfo
{
    /// <summary>Relay version.</summary>
    public string? Version { get; set; }

    /// <summary>The relay's host name: what connectors should name as their smart host.</summary>
    public string? HostName { get; set; }

    /// <summary>SMTP endpoints.</summary>
    public List<RelaySmtpEndpoint> Smtp { get; set; } = [];

    /// <summary>HTTP endpoint.</summary>
    public string? Http { get; set; }

    /// <summary>Addresses receivers see after the relay forwards (what SPF must authorize).</summary>
    public List<string> EgressAddresses { get; set; } = [];

    /// <summary>authserv-id of its Authentication-Results header.</summary>
    public string? AuthServId { get; set; }

    /// <summary>True when the relay requires SMTP AUTH of every client (Admission:Mode Auth or IpAndAuth; absent = admission by IP only).</summary>
    public bool? AuthRequired { get; set; }

    /// <summary>The SASL mechanisms the relay's EHLO lists (PLAIN, LOGIN); empty when it offers no AUTH; null from relays that predate AUTH.</summary>
    public List<string>? AuthMechanisms { get; set; }

    /// <summary>True when the relay takes AUTH only after STARTTLS (Smtp:AllowAuthWithoutTls false); null when not reported.</summary>
    public bool? AuthRequiresTls { get; set; }
}
