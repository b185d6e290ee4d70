using System.Net;
using Microsoft.Extensions.Logging;

namespace SmarthostLab.Smtp.Proxy;

/// <summary>Source-generated log messages of the PROXY protocol; event ids 1060–1069.</summary>
internal static partial class ProxyLog
{
    [LoggerMessage(1060, LogLevel.Warning, "SMTP connection from {Peer} closed without a greeting: {Problem} ({Reason}; Smtp:ProxyProtocol is Required)")]
    public static partial void Refused(ILogger logger, IPAddress peer, string problem, string reason);

    [LoggerMessage(1061, LogLevel.Warning, "{Count} more SMTP connections were closed for their PROXY header without a log line each (at most 10 a second are logged)")]
    public static partial void RefusalsNotLogged(ILogger logger, long count);

    [LoggerMessage(1062, LogLevel.Debug, "SMTP connection {ConnectionId}: PROXY v{Version} header from {Peer}: client {Client}")]
    public static partial void Accepted(ILogger logger, string connectionId, int version, IPEndPoint peer, string client);

    [LoggerMessage(1063, LogLevel.Error, "SMTP connection {ConnectionId}: OnRefused handler threw")]
    public static partial void RefusalHandlerFailed(ILogger logger, string connectionId, Exception exception);
}
