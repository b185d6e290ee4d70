using Microsoft.Extensions.Logging;

namespace SmarthostLab.Relay.Admission;

/// <summary>Source-generated log messages of admission (event ids 1300-1399).</summary>
internal static partial class AdmissionLog
{
    [LoggerMessage(1300, LogLevel.Information, "Accounts: {Accounts} ({Ranges} outbound server ranges)")]
    public static partial void Loaded(ILogger logger, int accounts, int ranges);

    [LoggerMessage(1301, LogLevel.Warning, "Ignoring a stored change of outbound server {Address} for account {Account}, which is not configured")]
    public static partial void OrphanOverride(ILogger logger, string account, string address);

    [LoggerMessage(1302, LogLevel.Information, "Account {Account}: outbound server {Address} {Change}")]
    public static partial void Changed(ILogger logger, string account, string address, string change);
}
