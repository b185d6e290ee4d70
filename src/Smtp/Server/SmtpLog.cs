using System.Net;
using Microsoft.Extensions.Logging;

namespace SmarthostLab.Smtp.Server;

/// <summary>Source-generated log messages of the SMTP layer; event ids are stable (1xxx).</summary>
internal static partial class SmtpLog
{
    [LoggerMessage(1001, LogLevel.Debug, "SMTP session {SessionId} from {Remote} started")]
    public static partial void SessionStarted(ILogger logger, string sessionId, IPEndPoint remote);

    [LoggerMessage(1020, LogLevel.Debug, "SMTP session {SessionId} from {Remote} via {Proxy} (PROXY protocol) started")]
    public static partial void SessionStartedVia(ILogger logger, string sessionId, IPEndPoint remote, IPEndPoint proxy);

    [LoggerMessage(1002, LogLevel.Debug, "SMTP session {SessionId} ended")]
    public static partial void SessionEnded(ILogger logger, string sessionId);

    [LoggerMessage(1003, LogLevel.Information, "SMTP session {SessionId}: connection lost ({Error})")]
    public static partial void ConnectionLost(ILogger logger, string sessionId, string error);

    [LoggerMessage(1004, LogLevel.Error, "SMTP session {SessionId}: unexpected error, closing")]
    public static partial void UnexpectedError(ILogger logger, string sessionId, Exception exception);

    [LoggerMessage(1005, LogLevel.Error, "SMTP session {SessionId}: handler {Stage} failed")]
    public static partial void HandlerFailed(ILogger logger, string sessionId, string stage, Exception exception);

    [LoggerMessage(1006, LogLevel.Information, "SMTP session {SessionId}: TLS handshake failed ({Error})")]
    public static partial void TlsHandshakeFailed(ILogger logger, string sessionId, string error);

    [LoggerMessage(1007, LogLevel.Information, "SMTP session {SessionId}: {Stage} timeout, closing")]
    public static partial void Timeout(ILogger logger, string sessionId, string stage);

    [LoggerMessage(1008, LogLevel.Warning, "SMTP connection from {Remote} refused: {Reply}")]
    public static partial void ConnectionLimit(ILogger logger, IPAddress remote, string reply);

    [LoggerMessage(1009, LogLevel.Information, "SMTP session {SessionId}: too many bad commands, closing")]
    public static partial void TooManyBadCommands(ILogger logger, string sessionId);

    [LoggerMessage(1010, LogLevel.Debug, "SMTP session {SessionId}: closing for shutdown")]
    public static partial void ShuttingDown(ILogger logger, string sessionId);

    [LoggerMessage(1011, LogLevel.Debug, "SMTP session {SessionId}: TLS established ({Protocol}, {Cipher})")]
    public static partial void TlsEstablished(ILogger logger, string sessionId, string protocol, string cipher);

    [LoggerMessage(1012, LogLevel.Information, "SMTP session {SessionId}: refused {Stage}: {Reply} ({Reason})")]
    public static partial void Refused(ILogger logger, string sessionId, string stage, string reply, string reason);

    [LoggerMessage(1013, LogLevel.Error, "SMTP session {SessionId}: OnRefused handler threw")]
    public static partial void RefusalHandlerFailed(ILogger logger, string sessionId, Exception exception);

    [LoggerMessage(1014, LogLevel.Information, "SMTP session {SessionId}: the client does not read its replies ({Cause}), connection aborted")]
    public static partial void WriteBlocked(ILogger logger, string sessionId, string cause);

    [LoggerMessage(1015, LogLevel.Information, "SMTP session {SessionId}: the client did not take the last replies, connection aborted")]
    public static partial void CloseLingerExpired(ILogger logger, string sessionId);

    [LoggerMessage(1016, LogLevel.Information, "SMTP session {SessionId}: … and {Count} more refusals, not logged one by one")]
    public static partial void RefusalsNotLogged(ILogger logger, string sessionId, int count);

    [LoggerMessage(1019, LogLevel.Warning, "{Count} more SMTP connections were refused by the connection limits without a log line each (at most 10 a second are logged)")]
    public static partial void ConnectionLimitsNotLogged(ILogger logger, long count);

    [LoggerMessage(1017, LogLevel.Debug, "SMTP session {SessionId}: refused, and {Budget} refused sessions are open (Smtp:MaxRefusedConnections): closed at once")]
    public static partial void RefusedBudgetFull(ILogger logger, string sessionId, int budget);

    [LoggerMessage(1018, LogLevel.Error, "SMTP session {SessionId}: the message could not be spooled to disk; answered 452 4.3.1")]
    public static partial void SpoolFailed(ILogger logger, string sessionId, Exception exception);
}
