using Microsoft.Extensions.Options;

namespace SmarthostLab.Relay.Configuration;

/// <summary>Validates the <c>Host</c> section.</summary>
public sealed class HostingOptionsValidator : IValidateOptions<HostingOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, HostingOptions options)
    {
        var errors = new List<string>();
        OptionChecks.Positive(errors, "Host:ShutdownTimeout", options.ShutdownTimeout);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
