using System.Net;
using System.Security.Authentication;

namespace SmarthostLab.Smtp.Session;

/// <summary>
/// What the SMTP session knows about one connection. Created by the connection handler, handed to
/// every <see cref="ISmtpSessionHandler"/> call. Not thread-safe: one session, one task.
/// </summary>
public sealed class SessionContext
{
    /// <summary>Creates the context for a new connection.</summary>
    public SessionContext(string id, IPEndPoint remote, IPEndPoint local)
    {
        Id = id;
        RemoteEndPoint = remote;
        LocalEndPoint = local;
    }

    /// <summary>Unique id of the session; also the queue id prefix of its messages.</summary>
    public string Id { get; }

    /// <summary>The client's address as seen by the server (after PROXY protocol, if any).</summary>
    public IPEndPoint RemoteEndPoint { get; set; }

    /// <summary>
    /// With <c>Smtp:ProxyProtocol</c> Required: the TCP peer the connection came from, the load balancer (logs say
    /// "via" it); null without the PROXY protocol, when the TCP peer is the client.
    /// </summary>
    public IPEndPoint? ProxyPeer { get; set; }

    /// <summary>
    /// True for a PROXY header naming no client (v2 LOCAL, v1 UNKNOWN): the load balancer's own connection, e.g. its health
    /// check. Such a session is greeted without asking the handler at connect (no admission, no connection limits by
    /// client); <see cref="RemoteEndPoint"/> is the balancer's, and anything it tries past EHLO is judged as from it.
    /// </summary>
    public bool ProxyLocal { get; set; }

    /// <summary>The local endpoint the client connected to.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Client IP, IPv4-mapped IPv6 addresses unmapped.</summary>
    public IPAddress RemoteIp => RemoteEndPoint.Address.IsIPv4MappedToIPv6 ? RemoteEndPoint.Address.MapToIPv4() : RemoteEndPoint.Address;

    /// <summary>The argument of the last HELO/EHLO, or null before one.</summary>
    public string? Helo { get; set; }

    /// <summary>True after EHLO (as opposed to HELO).</summary>
    public bool IsExtended { get; set; }

    /// <summary>TLS protocol in use (STARTTLS or implicit), or null for plaintext.</summary>
    public SslProtocols? TlsProtocol { get; set; }

    /// <summary>TLS cipher suite name in use, or null.</summary>
    public string? TlsCipher { get; set; }

    /// <summary>True when the connection arrived on an implicit-TLS endpoint.</summary>
    public bool ImplicitTls { get; set; }

    /// <summary>
    /// The user a successful AUTH (RFC 4954) authenticated, or null: before AUTH, and again after STARTTLS (RFC 3207
    /// 4.2: what was learnt before TLS is forgotten).
    /// </summary>
    public string? AuthenticatedUser { get; set; }

    /// <summary>The SMTP transcript of the session so far (AUTH secrets redacted).</summary>
    public SessionTranscript Transcript { get; } = new();

    /// <summary>Free slot for the handler's per-session state (e.g. the admitted account).</summary>
    public object? HandlerState { get; set; }

    /// <summary>Set by the handler in <see cref="ISmtpSessionHandler.OnConnectAsync"/> to refuse the session.</summary>
    public bool Refused { get; set; }

    /// <summary>
    /// Set by the handler beside a refusal it returns: the short reason (e.g. "unregistered-ip") the SMTP layer
    /// counts it under in <c>smtp.refusals</c>; "handler" when not set. Cleared before each handler call.
    /// </summary>
    public string? RefusalReason { get; set; }
}
