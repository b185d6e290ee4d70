using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Http;

namespace SmarthostLab.Relay.Api;

/// <summary>Parses query-string values with error messages naming the parameter.</summary>
internal sealed class QueryParameters(IQueryCollection query)
{
    /// <summary>First problem found, or null.</summary>
    public string? Error { get; private set; }

    public string? Text(string name) => query[name].ToString() is { Length: > 0 } value ? value : null;

    public int Int(string name, int fallback, int min, int max)
    {
        var text = Text(name);
        if (text is null) return fallback;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max) return value;
        Error ??= $"{name}: '{text}' must be an integer between {min} and {max}";
        return fallback;
    }

    public double Seconds(string name, double fallback, double max)
    {
        var text = Text(name);
        if (text is null) return fallback;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0 && value <= max) return value;
        Error ??= $"{name}: '{text}' must be a number of seconds between 0 and {max}";
        return fallback;
    }

    public DateTimeOffset? Time(string name)
    {
        var text = Text(name);
        if (text is null) return null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)) return value;
        Error ??= $"{name}: '{text}' is not an ISO 8601 time";
        return null;
    }

    /// <summary>One of <paramref name="allowed"/> (case-insensitive), lower-cased; null when absent.</summary>
    public string? Word(string name, params string[] allowed)
    {
        var text = Text(name);
        if (text is null) return null;
        if (allowed.Contains(text, StringComparer.OrdinalIgnoreCase)) return text.ToLowerInvariant();
        Error ??= $"{name}: '{text}' must be one of {string.Join(", ", allowed)}";
        return null;
    }

    /// <summary>An IP address (an IPv4-mapped IPv6 address as IPv4, the form the relay records); null when absent.</summary>
    public IPAddress? Ip(string name)
    {
        var text = Text(name);
        if (text is null) return null;
        if (IPAddress.TryParse(text, out var value)) return value.IsIPv4MappedToIPv6 ? value.MapToIPv4() : value;
        Error ??= $"{name}: '{text}' is not an IP address";
        return null;
    }

    public bool? Bool(string name)
    {
        var text = Text(name);
        if (text is null) return null;
        if (bool.TryParse(text, out var value)) return value;
        Error ??= $"{name}: '{text}' must be true or false";
        return null;
    }
}
