using System.Threading.RateLimiting;

namespace SmarthostLab.Relay.Authentication;

/// <summary>
/// A token bucket (<see cref="RateLimiter"/>) read from a <see cref="TimeProvider"/>: <c>limit</c> tokens, refilled
/// evenly so that an empty bucket is full again after <c>window</c>, computed at each call (no timer). The
/// framework's own TokenBucketRateLimiter reads the Stopwatch even when replenished by hand, so a test clock cannot
/// drive it. Never queues: <see cref="AcquireAsyncCore"/> answers at once. <c>AttemptAcquire(0)</c> tells whether a
/// token is left without taking it.
/// </summary>
internal sealed class ClockTokenBucket : RateLimiter
{
    private static readonly RateLimitLease Granted = new Lease(true);
    private static readonly RateLimitLease Refused = new Lease(false);

    private readonly TimeProvider _time;
    private readonly int _limit;
    private readonly double _ticksPerToken; // TimeProvider timestamp ticks
    private readonly Lock _lock = new();
    private double _tokens;
    private long _stamp;     // when the tokens were last counted
    private long _fullSince; // when the bucket was last full

    public ClockTokenBucket(TimeProvider time, int limit, TimeSpan window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        _time = time;
        _limit = limit;
        _ticksPerToken = window.TotalSeconds * time.TimestampFrequency / limit;
        _tokens = limit;
        _fullSince = _stamp = time.GetTimestamp();
    }

    /// <summary>Time since the bucket was last full, or null while it is not (nothing to forget then).</summary>
    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_lock)
            {
                var now = Refill();
                return _tokens < _limit ? null : _time.GetElapsedTime(_fullSince, now);
            }
        }
    }

    public override RateLimiterStatistics GetStatistics()
    {
        lock (_lock)
        {
            Refill();
            return new RateLimiterStatistics { CurrentAvailablePermits = (long)_tokens };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(permitCount, _limit);
        lock (_lock)
        {
            Refill();
            if (permitCount == 0) return _tokens >= 1 ? Granted : Refused;
            if (_tokens < permitCount) return Refused;
            _tokens -= permitCount;
            return Granted;
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    /// <summary>Adds the tokens earned since the last call (noting when the bucket filled up); returns now.</summary>
    private long Refill()
    {
        var now = _time.GetTimestamp();
        if (_tokens < _limit)
        {
            var earned = (now - _stamp) / _ticksPerToken;
            if (_tokens + earned >= _limit)
            {
                _fullSince = _stamp + (long)((_limit - _tokens) * _ticksPerToken);
                _tokens = _limit;
            }
            else
            {
                _tokens += earned;
            }
        }
        _stamp = now;
        return now;
    }

    private sealed class Lease(bool acquired) : RateLimitLease
    {
        public override bool IsAcquired { get; } = acquired;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
