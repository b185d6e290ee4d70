using Microsoft.Extensions.Logging;

namespace SmarthostLab.Relay.Session;

/// <summary>Source-generated log messages of the relay's session handler (event ids 1200-1299).</summary>
internal static partial class SessionLog
{
    [LoggerMessage(1200, LogLevel.Information, "Refused {ClientIp} at {Stage}: {Reply} ({Reason})")]
    public static partial void Refused(ILogger logger, string clientIp, string stage, string reply, string reason);

    [LoggerMessage(1201, LogLevel.Information, "Stored {QueueId} from {ClientIp} ({Account}), {Size} octets, {Recipients} recipients")]
    public static partial void Stored(ILogger logger, string queueId, string clientIp, string? account, long size, int recipients);

    [LoggerMessage(1202, LogLevel.Error, "Could not store {QueueId} from {ClientIp}; answered 451")]
    public static partial void StoreFailed(ILogger logger, string queueId, string clientIp, Exception exception);

    [LoggerMessage(1205, LogLevel.Information, "{Count} more refusals were recorded without a log line each (at most 20 a second are logged)")]
    public static partial void RefusalsNotLogged(ILogger logger, long count);

    [LoggerMessage(1204, LogLevel.Information, "Refused {ClientIp} {Count} times in one session; its further refusals are recorded but not logged")]
    public static partial void RefusalsNoLongerLogged(ILogger logger, string clientIp, int count);
}
