using System.ComponentModel.DataAnnotations;
using SmarthostLab.Smtp.Proxy;

namespace SmarthostLab.Smtp;

/// <summary>What to do with a bare LF (an LF not preceded by CR) inside DATA.</summary>
public enum BareLineFeedPolicy
{
    /// <summary>Refuse the message with 550 5.6.11 (default): closes the SMTP smuggling hole.</summary>
    Reject,
    /// <summary>Accept and store the bytes as sent (only CRLF.CRLF ends DATA).</summary>
    Accept,
}

/// <summary>The <c>Smtp</c> configuration section: endpoints, limits and timeouts of the SMTP server.</summary>
public sealed class SmtpOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Smtp";

    /// <summary>Plain/STARTTLS endpoint, HOST:PORT. Default 127.0.0.1:2525.</summary>
    [Required]
    public string Listen { get; set; } = "127.0.0.1:2525";

    /// <summary>Optional implicit-TLS endpoint (port 465 style), HOST:PORT; empty = off.</summary>
    public string? ImplicitTlsListen { get; set; }

    /// <summary>Name the server uses in its greeting, EHLO reply and Received headers. Default: the machine's host name.</summary>
    public string? HostName { get; set; }

    /// <summary>Largest message accepted, in octets (SIZE extension and enforced while reading). Default 35 MiB as in Exchange.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxMessageSize { get; set; } = 35L * 1024 * 1024;

    /// <summary>
    /// Largest header section, in octets before the empty line that ends it (a message without one counts whole):
    /// 552 5.3.4 past it, before anything parses the header. Default 256 KiB, as Exchange's receive connectors and
    /// Exchange Online. Bounds the time and memory one message's header costs the relay.
    /// </summary>
    [Range(1024, long.MaxValue)]
    public long MaxHeaderSize { get; set; } = 256 * 1024;

    /// <summary>
    /// Octets of one message held in memory (rounded up to 64 KiB); the rest is written to a file in
    /// <see cref="SpoolFolder"/> as it arrives and read from there, so a session holds about this much of its message
    /// whatever the message's size. Default 256 KiB.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long SpoolThreshold { get; set; } = 256 * 1024;

    /// <summary>Folder of the spool files of messages larger than <see cref="SpoolThreshold"/>. Empty: the system's temporary folder (the relay uses its data folder).</summary>
    public string? SpoolFolder { get; set; }

    /// <summary>Recipients per message; the one past it gets 452 4.5.3.</summary>
    [Range(1, 100_000)]
    public int MaxRecipients { get; set; } = 500;

    /// <summary>
    /// Bad commands per session before 421 and close: unknown, malformed or out of sequence, and in a refused
    /// session every command but QUIT (its 503s).
    /// </summary>
    [Range(1, 10_000)]
    public int MaxBadCommands { get; set; } = 20;

    /// <summary>Time allowed to wait for a command (RFC 5321 4.5.3.2.7 suggests 5 minutes).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Time allowed between two reads of message data (RFC 5321 4.5.3.2.6 suggests 3 minutes per block).</summary>
    public TimeSpan DataTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>
    /// Slowest message data accepted, in octets per second (Postfix 3.7's smtpd_min_data_rate): the data of one DATA or BDAT
    /// command must arrive within <see cref="DataTimeout"/> plus its size divided by this rate, so a client trickling a
    /// byte now and then cannot hold a session for ever. 0: off (only <see cref="DataTimeout"/> between reads). Default 500.
    /// </summary>
    public int MinDataRate { get; set; } = 500;

    /// <summary>
    /// The whole life of a refused session (554 greeting): it is closed after QUIT, after its first burst of
    /// other commands, or when this time is up, whatever the client does.
    /// </summary>
    public TimeSpan RefusedSessionTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Concurrent connections in total, refused sessions not counted once known (see
    /// <see cref="MaxRefusedConnections"/>); past it a new connection gets 421 4.7.0 and is closed.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxConnections { get; set; } = 1000;

    /// <summary>Concurrent connections from one client IP (IPv6: one <see cref="IPv6PrefixLength"/> network); past it 421 4.7.0.</summary>
    [Range(1, 1_000_000)]
    public int MaxConnectionsPerIp { get; set; } = 100;

    /// <summary>
    /// Concurrent refused sessions (the handler refused the connection, e.g. an unregistered IP), a budget of their
    /// own apart from <see cref="MaxConnections"/>: a refused connection past it gets its one-line refusal and is
    /// closed at once. 0: every refused connection is closed at once.
    /// </summary>
    [Range(0, 1_000_000)]
    public int MaxRefusedConnections { get; set; } = 50;

    /// <summary>IPv6 clients are counted per network of this prefix length for <see cref="MaxConnectionsPerIp"/> (one host usually owns a /64).</summary>
    [Range(1, 128)]
    public int IPv6PrefixLength { get; set; } = 64;

    /// <summary>Bare LF inside DATA: Reject (default) or Accept.</summary>
    public BareLineFeedPolicy BareLineFeed { get; set; } = BareLineFeedPolicy.Reject;

    /// <summary>Offer STARTTLS in EHLO. Default true.</summary>
    public bool StartTls { get; set; } = true;

    /// <summary>
    /// Offer and accept AUTH PLAIN/LOGIN without TLS (the password then crosses the network in clear text; for labs).
    /// Default false: AUTH is advertised only under TLS and answered 538 5.7.11 without it (RFC 4954 6).
    /// </summary>
    public bool AllowAuthWithoutTls { get; set; }

    /// <summary>
    /// PROXY protocol (HAProxy's proxy-protocol.txt, v1 and v2) on every SMTP endpoint: Off (default), or Required: each
    /// connection must come from <see cref="ProxyTrustedNetworks"/> and start with a PROXY header, whose source address is
    /// then the client's for everything (admission, limits, SPF, Received, refusals, API). Others are closed without a greeting.
    /// </summary>
    public ProxyProtocolMode ProxyProtocol { get; set; } = ProxyProtocolMode.Off;

    /// <summary>
    /// The load balancers allowed to send a PROXY header: addresses or CIDR networks. Empty (default): loopback only
    /// (127.0.0.0/8 and ::1). Read only with <see cref="ProxyProtocol"/> Required.
    /// </summary>
    public List<string> ProxyTrustedNetworks { get; set; } = [];

    /// <summary>TLS certificate file (PEM with key, or PFX). Empty: a self-signed one is made in the data folder at first start.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>PEM private key file when <see cref="CertificatePath"/> is a PEM certificate without its key.</summary>
    public string? CertificateKeyPath { get; set; }

    /// <summary>Password of a PFX certificate.</summary>
    public string? CertificatePassword { get; set; }
}
