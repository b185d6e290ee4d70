using Microsoft.Extensions.Options;
using SmarthostLab.Relay.Admission;
using Delivery = SmarthostLab.Relay.Delivery;
using SmarthostLab.Verification;

namespace SmarthostLab.Relay.Configuration;

/// <summary>Validates the <c>Accounts</c> array: names, outbound servers, domains and DKIM keys.</summary>
public sealed class AccountsOptionsValidator : IValidateOptions<AccountsOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AccountsOptions options)
    {
        var errors = new List<string>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Accounts.Count; i++)
        {
            var account = options.Accounts[i];
            var key = $"Accounts:{i}";
            if (string.IsNullOrWhiteSpace(account.Name)) errors.Add($"{key}:Name: must not be empty");
            else if (!names.Add(account.Name)) errors.Add($"{key}:Name: '{account.Name}' is used by another account");
            else if (account.Name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
                errors.Add($"{key}:Name: '{account.Name}' may only hold letters, digits, '-', '_' and '.'");
            for (var j = 0; j < account.OutboundServers.Count; j++)
            {
                if (!IpPrefix.TryParse(account.OutboundServers[j], out _))
                    errors.Add($"{key}:OutboundServers:{j}: '{account.OutboundServers[j]}' is not an IP address or CIDR range");
            }
            for (var j = 0; j < account.Domains.Count; j++)
            {
                var domain = account.Domains[j];
                if (string.IsNullOrWhiteSpace(domain) || domain.Contains('@') || domain.Any(char.IsWhiteSpace))
                    errors.Add($"{key}:Domains:{j}: '{domain}' is not a domain name");
            }
            for (var j = 0; j < account.Dkim.Count; j++)
            {
                var dkim = account.Dkim[j];
                if (string.IsNullOrWhiteSpace(dkim.Domain)) errors.Add($"{key}:Dkim:{j}:Domain: must not be empty");
                if (string.IsNullOrWhiteSpace(dkim.Selector)) errors.Add($"{key}:Dkim:{j}:Selector: must not be empty");
                if (string.IsNullOrWhiteSpace(dkim.PrivateKeyFile)) errors.Add($"{key}:Dkim:{j}:PrivateKeyFile: must not be empty");
            }
            LimitsOptionsValidator.Validate(errors, key, account.Limits);
            var delivery = account.Delivery;
            if (delivery.Mode == DeliveryMode.NextHop && string.IsNullOrWhiteSpace(delivery.NextHop))
                errors.Add($"{key}:Delivery:NextHop: required when {key}:Delivery:Mode is NextHop (host:port or [ip]:port)");
            if (!string.IsNullOrWhiteSpace(delivery.NextHop) && !Delivery.Destination.TryParseHostPort(delivery.NextHop, out _, out _, out _, out var hopError))
                errors.Add($"{key}:Delivery:NextHop: {hopError}");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
