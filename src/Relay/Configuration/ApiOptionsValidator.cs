using Microsoft.Extensions.Options;

namespace SmarthostLab.Relay.Configuration;

/// <summary>Validates the <c>Api</c> section.</summary>
public sealed class ApiOptionsValidator : IValidateOptions<ApiOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ApiOptions options)
    {
        var errors = new List<string>();
        if (!EndpointParser.TryParse(options.Listen, out _, out var problem)) errors.Add($"Api:Listen: {problem}");
        if (options.AdminToken is { Length: > 0 and < 8 }) errors.Add("Api:AdminToken: must be at least 8 characters");
        if (options.ReadToken is { Length: > 0 and < 8 }) errors.Add("Api:ReadToken: must be at least 8 characters");
        OptionChecks.Positive(errors, "Api:MaxWaitTimeout", options.MaxWaitTimeout);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
