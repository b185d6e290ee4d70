namespace SmarthostLab.Probe.Relay;

/// <summary>Where the relay API token comes from: --relay-token, else SMARTHOSTLAB_RELAY_TOKEN.</summary>
public static class RelayToken
{
    /// <summary>The environment variable read when --relay-token is not given.</summary>
    public const string EnvironmentVariable = "SMARTHOSTLAB_RELAY_TOKEN";

    /// <summary>The option value, or the environment variable, or null.</summary>
    public static string? From(string? option)
        => !string.IsNullOrEmpty(option) ? option : Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env ? env : null;
}
