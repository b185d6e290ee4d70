using System.Collections.Concurrent;
using System.Net;
using SmarthostLab.Verification;

namespace SmarthostLab.Relay.Limits;

/// <summary>
/// One <see cref="TokenBucket"/> per client (an IPv4 address, an IPv6 network of the given prefix length), created on
/// first use, for the limits that count per client: connections per minute (<see cref="RateLimits"/>) and failed AUTH
/// attempts. Once <c>sweepAt</c> clients are tracked, buckets that are full again are forgotten (a new one would be the
/// same). Thread-safe.
/// </summary>
public sealed class ClientBuckets : IDisposable
{
    private readonly ConcurrentDictionary<IpPrefix, TokenBucket> _buckets = new();
    private readonly long _capacity;
    private readonly TimeSpan _period;
    private readonly TimeProvider _time;
    private readonly int _ipv6PrefixLength;
    private readonly int _sweepAt;
    private int _sweeping;

    /// <summary>Buckets of <paramref name="capacity"/> per <paramref name="period"/>; IPv6 clients grouped by <paramref name="ipv6PrefixLength"/>.</summary>
    public ClientBuckets(long capacity, TimeSpan period, TimeProvider time, int ipv6PrefixLength, int sweepAt)
    {
        _capacity = capacity;
        _period = period;
        _time = time;
        _ipv6PrefixLength = ipv6PrefixLength;
        _sweepAt = sweepAt;
    }

    /// <summary>Clients tracked now (buckets not yet full again, and full ones not yet forgotten).</summary>
    public int Count => _buckets.Count;

    /// <summary>The bucket of <paramref name="client"/>, or null when it has none.</summary>
    public TokenBucket? Find(IPAddress client) => _buckets.GetValueOrDefault(KeyOf(client));

    /// <summary>
    /// The bucket of <paramref name="client"/>, made when it has none. Past <c>sweepAt</c> clients the full buckets are
    /// forgotten first; when that leaves no room and <paramref name="whenFull"/> is false, null (the client is not tracked).
    /// </summary>
    public TokenBucket? GetOrAdd(IPAddress client, bool whenFull = true)
    {
        var key = KeyOf(client);
        if (_buckets.TryGetValue(key, out var bucket)) return bucket;
        if (_buckets.Count >= _sweepAt)
        {
            Sweep();
            if (!whenFull && _buckets.Count >= _sweepAt) return null;
        }
        return _buckets.GetOrAdd(key, static (_, s) => new TokenBucket(s._capacity, s._period, s._time), this);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var bucket in _buckets.Values) bucket.Dispose();
    }

    private void Sweep()
    {
        if (Interlocked.Exchange(ref _sweeping, 1) != 0) return;
        try
        {
            foreach (var (key, bucket) in _buckets)
            {
                if (bucket.IdleDuration is not null && _buckets.TryRemove(KeyValuePair.Create(key, bucket))) bucket.Dispose();
            }
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private IpPrefix KeyOf(IPAddress address) => IpPrefix.NetworkOf(address, 32, _ipv6PrefixLength);
}
