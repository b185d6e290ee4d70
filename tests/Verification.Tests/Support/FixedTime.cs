namespace SmarthostLab.Verification.Tests.Support;

/// <summary>A clock pinned at a Unix time.</summary>
public sealed class FixedTime(long unixSeconds) : TimeProvider
{
    public long UnixSeconds { get; set; } = unixSeconds;

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeSeconds(UnixSeconds);
}
