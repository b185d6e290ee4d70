using Microsoft.Extensions.Logging;

namespace SmarthostLab.Relay.Authentication;

/// <summary>Source-generated log messages of the relay's SMTP AUTH (issue 14); event ids 1750–1759. Never logs a password.</summary>
internal static partial class AuthLog
{
    [LoggerMessage(1750, LogLevel.Warning, "AUTH: {Client} failed {Limit} times within {Window}; its AUTH is refused with 421 until the allowance comes back")]
    public static partial void LockedOut(ILogger logger, string client, int limit, TimeSpan window);

    [LoggerMessage(1751, LogLevel.Warning, "AUTH is not offered: accounts have Credentials but Admission:Mode is Ip (set Auth, IpOrAuth or IpAndAuth)")]
    public static partial void CredentialsUnused(ILogger logger);

    [LoggerMessage(1752, LogLevel.Information, "AUTH from {Client} as {User} refused ({Reason}): {Detail}")]
    public static partial void Refused(ILogger logger, string client, string user, string reason, string detail);
}
