using Microsoft.Extensions.Options;

namespace SmarthostLab.Relay.Configuration;

/// <summary>Validates the <c>Admission</c> section's AUTH limits (issue 14).</summary>
public sealed class AdmissionOptionsValidator : IValidateOptions<AdmissionOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AdmissionOptions options)
    {
        var errors = new List<string>();
        OptionChecks.Range(errors, "Admission:MaxAuthFailures", options.MaxAuthFailures, 1, 10_000);
        OptionChecks.Positive(errors, "Admission:AuthFailureWindow", options.AuthFailureWindow);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
