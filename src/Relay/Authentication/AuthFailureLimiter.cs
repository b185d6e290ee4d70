using System.Collections.Concurrent;
using System.Net;
using SmarthostLab.Relay.Limits;
using SmarthostLab.Verification;

namespace SmarthostLab.Relay.Authentication;

/// <summary>
/// Failed AUTH attempts per client (an IPv4 address, an IPv6 network of <c>Smtp:IPv6PrefixLength</c>), Postfix anvil
/// style: a <see cref="TokenBucket"/> of <c>Admission:MaxAuthFailures</c> per <c>Admission:AuthFailureWindow</c> each, on
/// the relay's clock. Each failure takes a token; a client with none left is locked out until one comes back. Buckets
/// that are full again are forgotten when the table grows past <see cref="MaxTracked"/> clients; past that, new clients
/// are not tracked.
/// </summary>
public sealed class AuthFailureLimiter
{
    /// <summary>Most clients tracked at once.</summary>
    public const int MaxTracked = 10_000;

    private readonly ConcurrentDictionary<IpPrefix, TokenBucket> _buckets = new();
    private readonly TimeProvider _time;
    private readonly int _limit;
    private readonly TimeSpan _window;
    private readonly int _ipv6PrefixLength;

    /// <summary>Creates the limiter: <paramref name="limit"/> failures per <paramref name="window"/>, IPv6 clients grouped by <paramref name="ipv6PrefixLength"/>.</summary>
    public AuthFailureLimiter(TimeProvider time, int limit, TimeSpan window, int ipv6PrefixLength = 64)
    {
        _time = time;
        _limit = limit;
        _window = window;
        _ipv6PrefixLength = ipv6PrefixLength;
    }

    /// <summary>Clients tracked now (buckets not yet full again, and full ones not yet forgotten).</summary>
    public int Tracked => _buckets.Count;

    /// <summary>True when <paramref name="client"/> has no failed attempt left: AUTH is refused without looking at its credentials.</summary>
    public bool IsLockedOut(IPAddress client)
    {
        if (!_buckets.TryGetValue(KeyOf(client), out var bucket)) return false;
        using var lease = bucket.AttemptAcquire(0);
        return !lease.IsAcquired;
    }

    /// <summary>Counts one failed attempt of <paramref name="client"/>.</summary>
    public void RecordFailure(IPAddress client)
    {
        var key = KeyOf(client);
        if (!_buckets.TryGetValue(key, out var bucket))
        {
            if (_buckets.Count >= MaxTracked) Forget();
            if (_buckets.Count >= MaxTracked) return;
            bucket = _buckets.GetOrAdd(key, static (_, s) => new TokenBucket(s._limit, s._window, s._time), this);
        }
        using var lease = bucket.AttemptAcquire(1);
    }

    /// <summary>Drops the buckets that are full again: a new one would be the same.</summary>
    private void Forget()
    {
        foreach (var (key, bucket) in _buckets)
        {
            if (bucket.IdleDuration is not null && _buckets.TryRemove(KeyValuePair.Create(key, bucket))) bucket.Dispose();
        }
    }

    private IpPrefix KeyOf(IPAddress address) => IpPrefix.NetworkOf(address, 32, _ipv6PrefixLength);
}
