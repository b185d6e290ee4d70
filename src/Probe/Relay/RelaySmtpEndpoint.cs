namespace SmarthostLab.Probe.Relay;

/// <summary>One SMTP endpoint listed by GET /api/v1/info.</summary>
public sealed class RelaySmtpEndpoint
{
    /// <summary>host:port.</summary>
    public string? Endpoint { get; set; }

    /// <summary>"none", "starttls" or "implicit".</summary>
    public string? Tls { get; set; }
}
