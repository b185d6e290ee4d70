namespace SmarthostLab.Relay.Configuration;

/// <summary>Small checks shared by the relay's options validators; each message names the key.</summary>
internal static class OptionChecks
{
    /// <summary>Adds "<paramref name="key"/>: must be between min and max (got v)" when out of range.</summary>
    public static void Range(List<string> errors, string key, long value, long min, long max)
    {
        if (value < min || value > max) errors.Add($"{key}: must be between {min} and {max} (got {value})");
    }

    /// <summary>Adds "<paramref name="key"/>: must be a positive time span …" when not positive.</summary>
    public static void Positive(List<string> errors, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero) errors.Add($"{key}: must be a positive time span such as 00:05:00 (got {value})");
    }
}
