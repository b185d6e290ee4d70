using Microsoft.Extensions.Options;

namespace SmarthostLab.Relay.Faults;

/// <summary>Validates <c>Faults:Rules</c> at start: each rule (<see cref="FaultRuleValidator"/>) and unique names.</summary>
public sealed class FaultsOptionsValidator : IValidateOptions<FaultsOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, FaultsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Rules.Count; i++)
        {
            var key = $"{FaultsOptions.Section}:Rules:{i}";
            var rule = options.Rules[i];
            errors.AddRange(FaultRuleValidator.Validate(rule, field => field.Length == 0 ? key : $"{key}:{field}"));
            if (!string.IsNullOrWhiteSpace(rule.Name) && !names.Add(rule.Name)) errors.Add($"{key}:Name: '{rule.Name}' is used by another rule");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
