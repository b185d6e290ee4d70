using System.Threading.RateLimiting;
using Microsoft.Extensions.Time.Testing;
using SmarthostLab.Relay.Limits;

namespace SmarthostLab.Relay.Tests.Limits;

/// <summary>The relay's token bucket, driven by a fake clock: burst, continuous refill, retry-after, idle.</summary>
public sealed class TokenBucketTests
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-12-06T12:00:00Z"));

    [Fact]
    public void A_full_bucket_grants_its_capacity_at_once_then_refuses_with_the_wait_for_one_token()
    {
        using var bucket = new TokenBucket(6, TimeSpan.FromMinutes(1), _clock);
        for (var i = 0; i < 6; i++) Assert.True(bucket.AttemptAcquire().IsAcquired, $"token {i + 1}");
        using var refused = bucket.AttemptAcquire();
        Assert.False(refused.IsAcquired);
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var after));
        Assert.Equal(TimeSpan.FromSeconds(10), after); // 6 per minute: one every 10 s
        Assert.Equal(6, bucket.GetStatistics()!.TotalSuccessfulLeases);
        Assert.Equal(1, bucket.GetStatistics()!.TotalFailedLeases);
    }

    [Fact]
    public void Tokens_come_back_in_proportion_to_the_time_passed_and_never_above_capacity()
    {
        using var bucket = new TokenBucket(60, TimeSpan.FromMinutes(1), _clock);
        Assert.True(bucket.AttemptAcquire(60).IsAcquired);
        Assert.Equal(0, bucket.Available);
        _clock.Advance(TimeSpan.FromSeconds(9.5));
        Assert.Equal(9, bucket.Available);
        Assert.False(bucket.AttemptAcquire(10).IsAcquired);
        _clock.Advance(TimeSpan.FromSeconds(0.5));
        Assert.True(bucket.AttemptAcquire(10).IsAcquired);
        _clock.Advance(TimeSpan.FromHours(5));
        Assert.Equal(60, bucket.Available);
        Assert.NotNull(bucket.IdleDuration);
    }

    [Fact]
    public void A_request_larger_than_the_bucket_is_refused_without_a_retry_time()
    {
        using var bucket = new TokenBucket(1000, TimeSpan.FromHours(1), _clock);
        using var lease = bucket.AttemptAcquire(1001);
        Assert.False(lease.IsAcquired);
        Assert.False(lease.TryGetMetadata(MetadataName.RetryAfter, out _));
        Assert.Null(bucket.TimeUntil(1001));
        Assert.Equal(TimeSpan.Zero, bucket.TimeUntil(1000));
    }

    [Fact]
    public void A_refused_request_takes_no_token()
    {
        using var bucket = new TokenBucket(10, TimeSpan.FromMinutes(1), _clock);
        Assert.True(bucket.AttemptAcquire(7).IsAcquired);
        Assert.False(bucket.AttemptAcquire(4).IsAcquired);
        Assert.True(bucket.AttemptAcquire(3).IsAcquired);
        Assert.Null(bucket.IdleDuration);
    }
}
