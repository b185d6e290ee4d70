using Microsoft.Extensions.Logging;

namespace SmarthostLab.Relay.Storage;

/// <summary>Source-generated log messages of the store (event ids 1100-1199).</summary>
internal static partial class StoreLog
{
    [LoggerMessage(1100, LogLevel.Information, "Store open at {Path} (schema version {Version}, {Messages} messages)")]
    public static partial void Opened(ILogger logger, string path, int version, long messages);

    [LoggerMessage(1101, LogLevel.Information, "Applied store migration {Version}")]
    public static partial void Migrated(ILogger logger, int version);

    [LoggerMessage(1102, LogLevel.Error, "Store batch of {Count} writes failed; retrying them one by one")]
    public static partial void BatchFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(1103, LogLevel.Error, "Store write ({Kind}) failed")]
    public static partial void WriteFailed(ILogger logger, string kind, Exception exception);

    [LoggerMessage(1104, LogLevel.Information, "Retention deleted {Messages} messages and {Refusals} refusals")]
    public static partial void RetentionDeleted(ILogger logger, int messages, int refusals);

    [LoggerMessage(1105, LogLevel.Information, "Store flushed and closed")]
    public static partial void Closed(ILogger logger);

    [LoggerMessage(1106, LogLevel.Error, "Store writer stopped unexpectedly")]
    public static partial void WriterCrashed(ILogger logger, Exception exception);

    [LoggerMessage(1107, LogLevel.Error, "The delivery queue failed to take committed queue entries")]
    public static partial void OutboundListenerFailed(ILogger logger, Exception exception);

    [LoggerMessage(1108, LogLevel.Information, "Token index built: {Messages} stored messages loaded in {Milliseconds} ms; rows below {Floor} are searched by scan")]
    public static partial void TokenIndexLoaded(ILogger logger, int messages, long milliseconds, long floor);

    [LoggerMessage(1109, LogLevel.Warning, "Token index: the stored messages could not be loaded; token searches scan every row")]
    public static partial void TokenIndexFailed(ILogger logger, Exception exception);

    [LoggerMessage(1110, LogLevel.Warning, "The store's connection to {Location} was lost; reconnecting")]
    public static partial void WriterReconnecting(ILogger logger, string location);

    [LoggerMessage(1111, LogLevel.Warning, "Listening for other relays' commits on {Location} failed; reconnecting")]
    public static partial void ListenerFailed(ILogger logger, string location, Exception exception);

    [LoggerMessage(1112, LogLevel.Warning, "Reading what another relay committed failed; its messages wake no wait here")]
    public static partial void RemoteReadFailed(ILogger logger, Exception exception);

    [LoggerMessage(1113, LogLevel.Information, "Relay {Node} shares the store at {Location}: heartbeat every {Heartbeat}, queue sweep every {Sweep}")]
    public static partial void Node(ILogger logger, string node, string location, TimeSpan heartbeat, TimeSpan sweep);

    [LoggerMessage(1114, LogLevel.Information, "Took {Recipients} queue rows no live relay owned (queue sweep)")]
    public static partial void Swept(ILogger logger, int recipients);
}
