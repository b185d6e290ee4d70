using System.Net;

namespace SmarthostLab.Smtp.Proxy;

/// <summary>
/// Set on a Kestrel connection by <see cref="ProxyProtocolMiddleware"/> once a valid PROXY header is read: the TCP
/// peer (the load balancer) and whether the header named a client. The connection's <c>RemoteEndPoint</c> is then
/// the client's (or left as the peer's for a LOCAL header).
/// </summary>
public sealed class ProxyConnectionFeature(IPEndPoint peer, ProxyHeader header)
{
    /// <summary>The TCP peer: the load balancer.</summary>
    public IPEndPoint Peer { get; } = peer;

    /// <summary>The header read.</summary>
    public ProxyHeader Header { get; } = header;

    /// <summary>True when the header named no client (LOCAL, UNKNOWN): the balancer's own connection, e.g. a health check.</summary>
    public bool IsLocal => Header.IsLocal;
}
