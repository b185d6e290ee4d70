using Microsoft.Extensions.Logging;

namespace SmarthostLab.Smtp.Server;

/// <summary>Source-generated log messages of SMTP AUTH (RFC 4954); event ids 1050–1059. Never logs a password.</summary>
internal static partial class SmtpAuthLog
{
    [LoggerMessage(1050, LogLevel.Information, "SMTP session {SessionId}: authenticated as {User} ({Mechanism})")]
    public static partial void Authenticated(ILogger logger, string sessionId, string mechanism, string user);
}
