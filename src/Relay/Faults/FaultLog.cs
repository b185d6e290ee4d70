using Microsoft.Extensions.Logging;

namespace SmarthostLab.Relay.Faults;

/// <summary>Source-generated log messages of fault injection (event ids 1700-1719).</summary>
internal static partial class FaultLog
{
    [LoggerMessage(1700, LogLevel.Information, "Fault rule {Rule} hit {ClientIp} at {Stage}: {Action}")]
    public static partial void Hit(ILogger logger, string rule, string clientIp, string stage, string action);

    [LoggerMessage(1701, LogLevel.Information, "Fault rules: {Rules} ({Configured} configured, {Stored} changes stored)")]
    public static partial void Loaded(ILogger logger, int rules, int configured, int stored);

    [LoggerMessage(1702, LogLevel.Warning, "Ignoring the stored fault rule {Rule}: {Problem}")]
    public static partial void StoredRuleInvalid(ILogger logger, string rule, string problem);

    [LoggerMessage(1703, LogLevel.Information, "Fault rule {Rule} {Change} through the API")]
    public static partial void Changed(ILogger logger, string rule, string change);

    [LoggerMessage(1704, LogLevel.Information, "Fault rule hits of {ClientIp} past {Count} in one session are counted but not logged")]
    public static partial void HitsNoLongerLogged(ILogger logger, string clientIp, int count);
}
