using Microsoft.Extensions.Logging;

namespace SmarthostLab.Relay.Delivery;

/// <summary>Log messages of the outbound queue (event ids 1400–1419).</summary>
internal static partial class DeliveryLog
{
    [LoggerMessage(1400, LogLevel.Information, "Delivery queue resumed {Jobs} jobs ({Recipients} recipients) from the store")]
    public static partial void Resumed(ILogger logger, int jobs, int recipients);

    [LoggerMessage(1401, LogLevel.Information, "{MessageId} to <{Recipient}>: {State} via {NextHop}: {Reply}")]
    public static partial void Outcome(ILogger logger, string messageId, string recipient, string state, string nextHop, string reply);

    [LoggerMessage(1402, LogLevel.Warning, "Connect to {NextHop} failed: {Error}")]
    public static partial void ConnectFailed(ILogger logger, string nextHop, string error);

    [LoggerMessage(1403, LogLevel.Information, "STARTTLS with {NextHop} failed ({Error}); trying again without TLS (Delivery:Tls=Opportunistic)")]
    public static partial void TlsFallback(ILogger logger, string nextHop, string error);

    [LoggerMessage(1404, LogLevel.Warning, "Lost the connection with {NextHop} while sending {MessageId}: {Error}")]
    public static partial void ConnectionLost(ILogger logger, string nextHop, string messageId, string error);

    [LoggerMessage(1405, LogLevel.Information, "{MessageId} was deleted while queued; its delivery is dropped")]
    public static partial void MessageGone(ILogger logger, string messageId);

    [LoggerMessage(1406, LogLevel.Error, "Recording delivery outcomes failed; the recipients will be tried again")]
    public static partial void RecordFailed(ILogger logger, Exception exception);

    [LoggerMessage(1407, LogLevel.Error, "A delivery connection to {Destination} failed unexpectedly")]
    public static partial void WorkerFailed(ILogger logger, string destination, Exception exception);

    [LoggerMessage(1408, LogLevel.Information, "{Recipients} queued recipients follow the configured route, changed since they were queued")]
    public static partial void Rerouted(ILogger logger, int recipients);

    [LoggerMessage(1409, LogLevel.Debug, "{MessageId}: {Recipients} recipients are another relay's (shared store) or no longer queued; this relay leaves them")]
    public static partial void ClaimedElsewhere(ILogger logger, string messageId, int recipients);
}
