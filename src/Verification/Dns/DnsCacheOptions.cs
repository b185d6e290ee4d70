namespace SmarthostLab.Verification.Dns;

/// <summary>Limits of <see cref="CachingDnsResolver"/> (RFC 2308 for negative answers).</summary>
public sealed class DnsCacheOptions
{
    /// <summary>Largest number of cached answers; past it, expired then oldest-inserted entries go.</summary>
    public int MaxEntries { get; init; } = 100_000;

    /// <summary>Negative-answer TTL when the answer carries none (no SOA seen).</summary>
    public TimeSpan DefaultNegativeTtl { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Longest any answer is kept, whatever its TTL.</summary>
    public TimeSpan MaxTtl { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Longest a negative answer is kept (RFC 2308 5 suggests at most hours; we keep it short).</summary>
    public TimeSpan MaxNegativeTtl { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How long SERVFAIL/timeout answers are kept (0 = not cached). At most 5 s.</summary>
    public TimeSpan TemporaryFailureTtl { get; init; } = TimeSpan.FromSeconds(2);
}
