using Microsoft.Extensions.Logging;

namespace SmarthostLab.Relay.Web;

/// <summary>Log messages of the web page and its live feed (event ids 1800–1819). Tokens are never logged.</summary>
internal static partial class WebLog
{
    [LoggerMessage(1800, LogLevel.Debug, "Live events: {Client} listens ({Subscribers} clients)")]
    public static partial void EventsOpened(ILogger logger, string client, int subscribers);

    [LoggerMessage(1801, LogLevel.Warning, "Message {Id}: its MIME structure could not be read for the web page: {Problem}")]
    public static partial void PartsUnreadable(ILogger logger, string id, string problem);
}
