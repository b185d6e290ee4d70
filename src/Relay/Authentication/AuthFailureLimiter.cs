using System.Net;
using SmarthostLab.Relay.Limits;

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

    private readonly ClientBuckets _buckets;

    /// <summary>Creates the limiter: <paramref name="limit"/> failures per <paramref name="window"/>, IPv6 clients grouped by <paramref name="ipv6PrefixLength"/>.</summary>
    public AuthFailureLimiter(TimeProvider time, int limit, TimeSpan window, int ipv6PrefixLength = 64) =>
        _buckets = new ClientBuckets(limit, window, time, ipv6PrefixLength, MaxTracked);

    /// <summary>Clients tracked now (buckets not yet full again, and full ones not yet forgotten).</summary>
    public int Tracked => _buckets.Count;

    /// <summary>True when <paramref name="client"/> has no failed attempt left: AUTH is refused without looking at its credentials.</summary>
    public bool IsLockedOut(IPAddress client)
    {
        if (_buckets.Find(client) is not { } bucket) return false;
        using var lease = bucket.AttemptAcquire(0);
        return !lease.IsAcquired;
    }

    /// <summary>Counts one failed attempt of <paramref name="client"/> (not when <see cref="MaxTracked"/> clients with failures are tracked).</summary>
    public void RecordFailure(IPAddress client)
    {
        if (_buckets.GetOrAdd(client, whenFull: false) is not { } bucket) return;
        using var lease = bucket.AttemptAcquire(1);
    }
}
