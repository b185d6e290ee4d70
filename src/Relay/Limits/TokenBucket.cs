using System.Threading.RateLimiting;

namespace SmarthostLab.Relay.Limits;

/// <summary>
/// A token bucket on the <see cref="ReplenishingRateLimiter"/> abstraction of System.Threading.RateLimiting, read from a
/// <see cref="TimeProvider"/>: it holds up to <c>capacity</c> tokens and gains <c>capacity</c> per <c>period</c>, continuously.
/// The library's own <c>TokenBucketRateLimiter</c> reads <c>Stopwatch</c> directly, so neither a test nor a lab can drive it
/// through a fake clock; this one answers the same way (a lease, with <see cref="MetadataName.RetryAfter"/> when refused)
/// and never queues: the relay answers a client at once, 451 or 250. Thread-safe.
/// </summary>
public sealed class TokenBucket : ReplenishingRateLimiter
{
    private readonly TimeProvider _time;
    private readonly long _capacity;
    private readonly double _perTick; // tokens gained per TimeProvider timestamp tick
    private readonly Lock _lock = new();
    private double _tokens;
    private long _stamp;
    private long _granted;
    private long _refused;
    private long? _idleSince;

    /// <summary>A full bucket of <paramref name="capacity"/> tokens refilled at <paramref name="capacity"/> per <paramref name="period"/>.</summary>
    public TokenBucket(long capacity, TimeSpan period, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        _time = time;
        _capacity = capacity;
        ReplenishmentPeriod = period;
        _perTick = capacity / (period.TotalSeconds * time.TimestampFrequency);
        _tokens = capacity;
        _stamp = time.GetTimestamp();
        _idleSince = _stamp;
    }

    /// <summary>Most tokens the bucket holds (the burst).</summary>
    public long Capacity => _capacity;

    /// <inheritdoc />
    public override TimeSpan ReplenishmentPeriod { get; }

    /// <summary>False: tokens are computed from the clock at each request, no timer runs.</summary>
    public override bool IsAutoReplenishing => false;

    /// <inheritdoc />
    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_lock)
            {
                Refill();
                return _tokens >= _capacity && _idleSince is { } since ? _time.GetElapsedTime(since) : null;
            }
        }
    }

    /// <summary>Tokens available now (whole).</summary>
    public long Available
    {
        get
        {
            lock (_lock)
            {
                Refill();
                return (long)_tokens;
            }
        }
    }

    /// <summary>How long until <paramref name="permits"/> tokens are there (zero: now), without taking any; null: never (more than <see cref="Capacity"/>).</summary>
    public TimeSpan? TimeUntil(long permits)
    {
        if (permits > _capacity) return null;
        lock (_lock)
        {
            Refill();
            return permits <= _tokens ? TimeSpan.Zero : WaitFor(permits);
        }
    }

    /// <summary>Nothing to do: the bucket refills from the clock whenever it is asked.</summary>
    public override bool TryReplenish() => false;

    /// <inheritdoc />
    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_lock)
        {
            Refill();
            return new RateLimiterStatistics
            {
                CurrentAvailablePermits = (long)_tokens,
                CurrentQueuedCount = 0,
                TotalSuccessfulLeases = _granted,
                TotalFailedLeases = _refused,
            };
        }
    }

    /// <inheritdoc />
    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(permitCount);
        lock (_lock)
        {
            Refill();
            if (permitCount == 0) return _tokens >= 1 ? Lease.Granted : Refuse(1);
            if (permitCount <= _tokens)
            {
                _tokens -= permitCount;
                _idleSince = null;
                _granted++;
                return Lease.Granted;
            }
            return Refuse(permitCount);
        }
    }

    /// <inheritdoc />
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private RateLimitLease Refuse(int permitCount)
    {
        _refused++;
        return permitCount > _capacity ? Lease.Never : new Lease(false, WaitFor(permitCount));
    }

    private TimeSpan WaitFor(long permits) => TimeSpan.FromSeconds(Math.Ceiling((permits - _tokens) / (_perTick * _time.TimestampFrequency)));

    private void Refill()
    {
        var now = _time.GetTimestamp();
        if (now <= _stamp) return;
        var tokens = _tokens + (now - _stamp) * _perTick;
        if (tokens >= _capacity)
        {
            tokens = _capacity;
            _idleSince ??= now;
        }
        _tokens = tokens;
        _stamp = now;
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Granted = new(true, null);

        /// <summary>More than the bucket ever holds: no retry will pass.</summary>
        public static readonly Lease Never = new(false, null);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (retryAfter is { } after && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = after;
                return true;
            }
            metadata = null;
            return false;
        }
    }
}
