using Microsoft.Extensions.Logging;

namespace SmarthostLab.Relay.Hosting;

/// <summary>Source-generated log messages of the host (event ids 1000-1099).</summary>
internal static partial class HostingLog
{
    [LoggerMessage(1000, LogLevel.Information, "SMTP listening on {EndPoint}{Mode}")]
    public static partial void SmtpListening(ILogger logger, string endPoint, string mode);

    [LoggerMessage(1001, LogLevel.Information, "HTTP API listening on http://{EndPoint}")]
    public static partial void HttpListening(ILogger logger, string endPoint);

    [LoggerMessage(1002, LogLevel.Information, "TLS certificate {Path}: {Subject}, valid until {NotAfter:u}")]
    public static partial void CertificateLoaded(ILogger logger, string path, string subject, DateTime notAfter);

    [LoggerMessage(1003, LogLevel.Information, "Made a self-signed TLS certificate {Subject} at {Path}")]
    public static partial void CertificateCreated(ILogger logger, string path, string subject);

    [LoggerMessage(1004, LogLevel.Warning, "Cannot read the generated TLS certificate {Path}; making a new one")]
    public static partial void CertificateUnreadable(ILogger logger, string path, Exception exception);

    [LoggerMessage(1005, LogLevel.Information, "Relay stopping: no new connections; waiting up to {Timeout} for sessions in progress")]
    public static partial void Stopping(ILogger logger, TimeSpan timeout);

    [LoggerMessage(1006, LogLevel.Information, "Threads in SCHED_BATCH: {Count}")]
    public static partial void BatchScheduling(ILogger logger, int count);

    [LoggerMessage(1007, LogLevel.Warning, "Host:BatchScheduling: threads left in the default policy ({Problem})")]
    public static partial void BatchSchedulingFailed(ILogger logger, string problem);

    [LoggerMessage(1008, LogLevel.Warning, "{Path}: the store could not be read; answered 503")]
    public static partial void StoreUnreadable(ILogger logger, string? path, Exception exception);
}
