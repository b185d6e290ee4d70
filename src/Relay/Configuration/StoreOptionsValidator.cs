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
        var provider = options.Provider?.Trim() ?? "";
        if (!provider.Equals(StoreOptions.SqliteProvider, StringComparison.OrdinalIgnoreCase) && !options.IsPostgres)
            errors.Add($"Store:Provider: '{options.Provider}' is not a store provider (Sqlite or Postgres)");
        if (options.IsPostgres)
        {
            if (string.IsNullOrWhiteSpace(options.ConnectionString))
                errors.Add("Store:ConnectionString: required with Store:Provider=Postgres (e.g. Host=127.0.0.1;Port=5432;Database=relay;Username=relay)");
            else
            {
                try
                {
                    _ = new Npgsql.NpgsqlConnectionStringBuilder(options.ConnectionString);
                }
                catch (ArgumentException exception)
                {
                    errors.Add($"Store:ConnectionString: not a PostgreSQL connection string ({exception.Message})");
                }
            }
            OptionChecks.Positive(errors, "Store:HeartbeatInterval", options.HeartbeatInterval);
            OptionChecks.Positive(errors, "Store:QueueSweepInterval", options.QueueSweepInterval);
            if (options.NodeTimeout <= options.HeartbeatInterval)
                errors.Add($"Store:NodeTimeout: must be longer than Store:HeartbeatInterval ({options.HeartbeatInterval}), got {options.NodeTimeout}");
            if (options.NodeId.Length > 200) errors.Add("Store:NodeId: at most 200 characters");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
