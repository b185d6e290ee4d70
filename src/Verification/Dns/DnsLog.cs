using Microsoft.Extensions.Logging;

namespace SmarthostLab.Verification.Dns;

/// <summary>Source-generated log messages of the DNS edge (event ids 3100-3199).</summary>
internal static partial class DnsLog
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Debug, Message = "DNS {Type} {Name}: timeout")]
    public static partial void QueryTimedOut(ILogger logger, string type, string name);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Debug, Message = "DNS {Type} {Name}: server failure ({Code})")]
    public static partial void QueryFailed(ILogger logger, string type, string name, string code);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "DNS {Type} {Name}: unexpected error, answered SERVFAIL")]
    public static partial void QueryError(ILogger logger, string type, string name, Exception exception);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Information, Message = "Live DNS using {Servers}, timeout {Timeout}, {Retries} retries")]
    public static partial void LiveConfigured(ILogger logger, string servers, TimeSpan timeout, int retries);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Information, Message = "Zone file {File}: {Records} records for {Names} names; authoritative for {Apexes}")]
    public static partial void ZoneFileLoaded(ILogger logger, string file, int records, int names, string apexes);
}
