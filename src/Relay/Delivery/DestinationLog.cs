using Microsoft.Extensions.Logging;

namespace SmarthostLab.Relay.Delivery;

/// <summary>Source-generated log messages of destination resolution (event ids 1480-1499).</summary>
internal static partial class DestinationLog
{
    [LoggerMessage(1480, LogLevel.Debug, "Destination {Destination} resolved to {Targets}")]
    public static partial void Resolved(ILogger logger, string destination, string targets);

    [LoggerMessage(1481, LogLevel.Information, "Destination {Destination} not resolved: {Status} {Text}")]
    public static partial void NotResolved(ILogger logger, string destination, string status, string text);

    [LoggerMessage(1482, LogLevel.Debug, "System resolver has no address for next hop host {Host}")]
    public static partial void SystemLookupFailed(ILogger logger, string host, Exception exception);

    [LoggerMessage(1483, LogLevel.Warning, "{Domain} lists {Count} MX hosts; only the first {Max} are tried")]
    public static partial void TooManyExchanges(ILogger logger, string domain, int count, int max);
}
