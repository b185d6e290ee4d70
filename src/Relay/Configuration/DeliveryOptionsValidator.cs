using System.Net;
using Microsoft.Extensions.Options;
using SmarthostLab.Relay.Delivery;

namespace SmarthostLab.Relay.Configuration;

/// <summary>Validates the <c>Delivery</c> section; each error names the key.</summary>
public sealed class DeliveryOptionsValidator : IValidateOptions<DeliveryOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, DeliveryOptions options)
    {
        var errors = new List<string>();
        if (options.Mode == DeliveryMode.NextHop && string.IsNullOrWhiteSpace(options.NextHop))
            errors.Add("Delivery:NextHop: required when Delivery:Mode is NextHop (host:port or [ip]:port)");
        if (!string.IsNullOrWhiteSpace(options.NextHop) && !Destination.TryParseHostPort(options.NextHop, out _, out _, out _, out var hopError))
            errors.Add($"Delivery:NextHop: {hopError}");
        OptionChecks.Range(errors, "Delivery:MxPort", options.MxPort, 1, 65535);
        if (!string.IsNullOrWhiteSpace(options.SourceAddress) && !IPAddress.TryParse(options.SourceAddress, out _))
            errors.Add($"Delivery:SourceAddress: '{options.SourceAddress}' is not an IP address");
        OptionChecks.Range(errors, "Delivery:MaxConnectionsPerDestination", options.MaxConnectionsPerDestination, 1, 1000);
        OptionChecks.Range(errors, "Delivery:MaxConnections", options.MaxConnections, 1, 10_000);
        if (RetryScheduleParser.Parse(options.RetrySchedule, out var scheduleError) is null)
            errors.Add($"Delivery:RetrySchedule: {scheduleError}");
        OptionChecks.Positive(errors, "Delivery:MaxQueueLifetime", options.MaxQueueLifetime);
        OptionChecks.Positive(errors, "Delivery:ConnectTimeout", options.ConnectTimeout);
        OptionChecks.Positive(errors, "Delivery:CommandTimeout", options.CommandTimeout);
        OptionChecks.Positive(errors, "Delivery:DataTimeout", options.DataTimeout);
        if (options.ConnectionIdleTime < TimeSpan.Zero) errors.Add($"Delivery:ConnectionIdleTime: must not be negative (got {options.ConnectionIdleTime})");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
