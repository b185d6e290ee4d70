using Microsoft.Extensions.Logging;

namespace SmarthostLab.Relay.Limits;

/// <summary>Log lines of rate limits and greylisting (event ids 1760–1779).</summary>
internal static partial class LimitsLog
{
    [LoggerMessage(1760, LogLevel.Information, "Greylisting: {Count} triplets loaded from the store")]
    public static partial void GreylistLoaded(ILogger logger, int count);

    [LoggerMessage(1761, LogLevel.Information, "Greylisting {Outcome}: {Network} <{Sender}> -> <{Recipient}> retried in time and passes from now on")]
    public static partial void Greylisted(ILogger logger, string outcome, string network, string sender, string recipient);
}
