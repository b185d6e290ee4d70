using System.Net;

namespace SmarthostLab.Smtp.Client;

/// <summary>How <see cref="SmtpClientConnection"/> connects and how long it waits.</summary>
public sealed record SmtpClientOptions
{
    /// <summary>The name sent with EHLO (or HELO): a domain name or an address literal such as "[192.0.2.1]".</summary>
    public required string HeloName { get; init; }

    /// <summary>The local address the outbound socket is bound to (port 0, chosen by the system); null lets the system choose.</summary>
    public IPAddress? SourceAddress { get; init; }

    /// <summary>When to use STARTTLS and which certificates to accept.</summary>
    public SmtpClientTls Tls { get; init; } = SmtpClientTls.Opportunistic;

    /// <summary>The longest the TCP connect may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest wait for each reply (the greeting included, RFC 5321 4.5.3.2), for each write to the socket
    /// (a peer that stops reading cannot hold the client forever) and for the TLS handshake.
    /// </summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest wait for the final reply after the message content (RFC 5321 4.5.3.2.6 suggests 10 minutes).</summary>
    public TimeSpan DataTimeout { get; init; } = TimeSpan.FromMinutes(10);
}
