using Microsoft.Extensions.Options;

namespace SmarthostLab.Relay.Configuration;

/// <summary>Validates the <c>RateLimits</c> and <c>Greylisting</c> sections (issue 14).</summary>
public sealed class LimitsOptionsValidator : IValidateOptions<RateLimitsOptions>, IValidateOptions<GreylistingOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, RateLimitsOptions options)
    {
        var errors = new List<string>();
        OptionChecks.Range(errors, "RateLimits:ConnectionsPerMinutePerIp", options.ConnectionsPerMinutePerIp, 0, 1_000_000);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, GreylistingOptions options)
    {
        var errors = new List<string>();
        if (options.Delay < TimeSpan.Zero) errors.Add($"Greylisting:Delay: must not be negative (was {options.Delay})");
        OptionChecks.Positive(errors, "Greylisting:Window", options.Window);
        OptionChecks.Positive(errors, "Greylisting:Lifetime", options.Lifetime);
        if (options.Window <= options.Delay) errors.Add($"Greylisting:Window: must be longer than Greylisting:Delay ({options.Delay}), or no retry can pass");
        OptionChecks.Range(errors, "Greylisting:IPv4PrefixLength", options.IPv4PrefixLength, 0, 32);
        OptionChecks.Range(errors, "Greylisting:IPv6PrefixLength", options.IPv6PrefixLength, 0, 128);
        OptionChecks.Range(errors, "Greylisting:MaxEntries", options.MaxEntries, 1, 100_000_000);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Checks one account's <c>Limits</c> (called by the accounts validator).</summary>
    internal static void Validate(List<string> errors, string key, AccountLimitOptions limits)
    {
        OptionChecks.Range(errors, $"{key}:Limits:MessagesPerMinute", limits.MessagesPerMinute, 0, 10_000_000);
        OptionChecks.Range(errors, $"{key}:Limits:RecipientsPerMinute", limits.RecipientsPerMinute, 0, 100_000_000);
        OptionChecks.Range(errors, $"{key}:Limits:BytesPerHour", limits.BytesPerHour, 0, long.MaxValue / 2);
        OptionChecks.Range(errors, $"{key}:Limits:ConcurrentConnections", limits.ConcurrentConnections, 0, 1_000_000);
        OptionChecks.Range(errors, $"{key}:Limits:ConnectionsPerMinute", limits.ConnectionsPerMinute, 0, 10_000_000);
    }
}
