using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace SmarthostLab.Relay.Hosting;

/// <summary>The Kestrel endpoints of the relay and, once started, the addresses they are bound to (port 0 resolved).</summary>
public sealed class RelayEndpoints
{
    internal ListenOptions? HttpListen { get; set; }
    internal ListenOptions? SmtpListen { get; set; }
    internal ListenOptions? SmtpImplicitListen { get; set; }

    /// <summary>The configured endpoints with their keys, in the order Kestrel binds them.</summary>
    internal List<(string Key, IPEndPoint EndPoint)> Configured { get; } = [];

    /// <summary>True once the host has started (endpoints bound).</summary>
    public bool Started { get; internal set; }

    /// <summary>Bound HTTP API endpoint.</summary>
    public IPEndPoint? Http => HttpListen?.IPEndPoint;

    /// <summary>Bound plain/STARTTLS SMTP endpoint.</summary>
    public IPEndPoint? Smtp => SmtpListen?.IPEndPoint;

    /// <summary>Bound implicit-TLS SMTP endpoint, if configured.</summary>
    public IPEndPoint? SmtpImplicitTls => SmtpImplicitListen?.IPEndPoint;
}
