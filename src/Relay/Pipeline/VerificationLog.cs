using Microsoft.Extensions.Logging;

namespace SmarthostLab.Relay.Pipeline;

/// <summary>Log messages of the verification step (event ids 3200–3299).</summary>
internal static partial class VerificationLog
{
    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "{QueueId}: spf={Spf} dkim={Dkim} dmarc={Dmarc} from={FromDomain} action={Action}")]
    public static partial void Verified(ILogger logger, string queueId, string spf, string dkim, string dmarc, string? fromDomain, string action);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "{QueueId}: not DKIM-signed for {Domain}: {Error}")]
    public static partial void SignFailed(ILogger logger, string queueId, string domain, string error);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Information, Message = "DKIM signing keys loaded: {Keys}")]
    public static partial void KeysLoaded(ILogger logger, string keys);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Information, Message = "Verification on: authserv-id {AuthServId}, egress {Egress}")]
    public static partial void Started(ILogger logger, string authServId, string egress);

    [LoggerMessage(EventId = 3205, Level = LogLevel.Information, Message = "{QueueId}: removed {Count} incoming Authentication-Results claiming {AuthServId}")]
    public static partial void ForgedRemoved(ILogger logger, string queueId, int count, string authServId);
}
