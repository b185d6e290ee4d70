using Microsoft.Extensions.Options;

namespace SmarthostLab.Relay.Configuration;

/// <summary>Validates the <c>Store</c> section.</summary>
public sealed class StoreOptionsValidator : IValidateOptions<StoreOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, StoreOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataFolder)) errors.Add("Store:DataFolder: must not be empty");
        if (string.IsNullOrWhiteSpace(options.FileName) || options.FileName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            errors.Add($"Store:FileName: '{options.FileName}' is not a file name");
        OptionChecks.Range(errors, "Store:MaxMessages", options.MaxMessages, 0, int.MaxValue);
        OptionChecks.Range(errors, "Store:MaxRefusals", options.MaxRefusals, 0, int.MaxValue);
        if (options.MaxAge < TimeSpan.Zero) errors.Add($"Store:MaxAge: must not be negative (got {options.MaxAge})");
        OptionChecks.Positive(errors, "Store:RetentionInterval", options.RetentionInterval);
        OptionChecks.Range(errors, "Store:MaxBatchSize", options.MaxBatchSize, 1, 100_000);
        OptionChecks.Range(errors, "Store:MaxBatchBytes", options.MaxBatchBytes, 1024, long.MaxValue);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
