using System.Net;

namespace SmarthostLab.Probe.Send;

/// <summary>Everything <c>probe send</c> needs.</summary>
public sealed record SendOptions
{
    /// <summary>The MTA the message is submitted to.</summary>
    public required SmtpEndpoint Via { get; init; }

    /// <summary>Envelope and header sender.</summary>
    public required string From { get; init; }

    /// <summary>Recipient (an address in the connector's address space).</summary>
    public required string To { get; init; }

    /// <summary>Relay base URL.</summary>
    public required string RelayUrl { get; init; }

    /// <summary>Bearer token for the relay API, or null.</summary>
    public string? RelayToken { get; init; }

    /// <summary>Local source address, or null for the system's choice.</summary>
    public IPAddress? Bind { get; init; }

    /// <summary>TLS to the MTA.</summary>
    public TlsMode Tls { get; init; } = TlsMode.Opportunistic;

    /// <summary>Require a valid server certificate (lab default: accept self-signed).</summary>
    public bool RequireValidCertificate { get; init; }

    /// <summary>AUTH user, or null.</summary>
    public string? User { get; init; }

    /// <summary>AUTH password.</summary>
    public string? Password { get; init; }

    /// <summary>Seconds to wait for the message at the relay (and the SMTP I/O timeout).</summary>
    public int TimeoutSeconds { get; init; } = 30;

    /// <summary>
    /// The address the MTA connects to the relay from, when <see cref="Via"/> is not the relay itself:
    /// refusals of that address end the wait early and are named in the report.
    /// </summary>
    public IPAddress? MtaIp { get; init; }

    /// <summary>EHLO name, or null for MailKit's default.</summary>
    public string? Helo { get; init; }

    /// <summary>
    /// After arrival, wait (what remains of <see cref="TimeoutSeconds"/>) until the relay delivered the message onward,
    /// when it sends mail on; false (<c>--no-delivery</c>) reports arrival and verdicts only.
    /// </summary>
    public bool WaitForDelivery { get; init; } = true;
}
