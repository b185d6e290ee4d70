namespace SmarthostLab.Verification.Spf;

/// <summary>Processing limits and local values for SPF evaluation (RFC 7208 4.6.4, 7.3).</summary>
public sealed class SpfOptions
{
    /// <summary>Shared defaults.</summary>
    public static SpfOptions Default { get; } = new();

    /// <summary>Terms that query DNS (include a mx ptr exists redirect) allowed per check; the RFC's 10.</summary>
    public int MaxDnsLookups { get; init; } = 10;

    /// <summary>Lookups answering NXDOMAIN or NODATA allowed per check; the RFC's recommended 2.</summary>
    public int MaxVoidLookups { get; init; } = 2;

    /// <summary>MX names one "mx" mechanism may look at (more = permerror) and PTR names one "ptr" looks at.</summary>
    public int MaxNamesPerMechanism { get; init; } = 10;

    /// <summary>%{r} in explanations: the receiving host's name; null = "unknown".</summary>
    public string? ReceivingHost { get; init; }

    /// <summary>Clock for %{t}; null = the system clock.</summary>
    public TimeProvider? TimeProvider { get; init; }
}
