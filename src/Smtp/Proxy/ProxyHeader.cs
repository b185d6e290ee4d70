using System.Net;

namespace SmarthostLab.Smtp.Proxy;

/// <summary>The command of a PROXY header (proxy-protocol.txt 2.2).</summary>
public enum ProxyCommand
{
    /// <summary>v2 LOCAL, or v1 <c>UNKNOWN</c>: the proxy's own connection (a health check); the TCP peer is the client.</summary>
    Local,
    /// <summary>A relayed connection: <see cref="ProxyHeader.Source"/> names the client when the family has addresses.</summary>
    Proxy,
}

/// <summary>One parsed PROXY protocol header (v1 text or v2 binary, HAProxy's proxy-protocol.txt).</summary>
/// <param name="Version">1 (text) or 2 (binary).</param>
/// <param name="Command">LOCAL or PROXY.</param>
/// <param name="Source">The original client's endpoint; null when the header names none (LOCAL, UNKNOWN, the UNSPEC and UNIX families): the TCP peer then stands for the client.</param>
/// <param name="Destination">The endpoint the client connected to on the proxy; null when <paramref name="Source"/> is.</param>
/// <param name="Length">Octets of the header, CRLF and TLVs included.</param>
public readonly record struct ProxyHeader(int Version, ProxyCommand Command, IPEndPoint? Source, IPEndPoint? Destination, int Length)
{
    /// <summary>True when the header names no client: the connection is the proxy's own (e.g. a health check).</summary>
    public bool IsLocal => Source is null;
}
