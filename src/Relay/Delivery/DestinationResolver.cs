using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SmarthostLab.Verification.Dns;

namespace SmarthostLab.Relay.Delivery;

/// <summary>
/// Turns a <see cref="Destination"/> key into the addresses to try, through the relay's
/// <see cref="IDnsResolver"/> (zone files first, then live DNS).
/// <list type="bullet">
/// <item><c>nexthop:[ip]:port</c>: that address. <c>nexthop:host:port</c>: the host's A and AAAA
/// records, else the system resolver (so <c>localhost</c> and /etc/hosts names work); nothing is a
/// transient failure (4.4.3 when DNS failed, 4.4.4 otherwise), as Postfix defers a relayhost it cannot resolve.</item>
/// <item><c>mx:domain</c> (RFC 5321 5.1): MX records by preference, equal preferences shuffled, each
/// exchange's A then AAAA; no MX records: the implicit MX, the domain's own A/AAAA; a null MX
/// (RFC 7505) bounces at once (5.1.10); a domain that does not exist bounces (5.1.2); DNS failures
/// and exchanges without addresses defer (4.4.3 / 4.4.4). <c>mx:[ip]</c>: that address.</item>
/// </list>
/// At most <see cref="MaxExchanges"/> MX hosts and <see cref="MaxAddresses"/> addresses are kept, so a
/// hostile zone cannot multiply the work. DNS failures never throw. Safe for concurrent use.
/// </summary>
public sealed class DestinationResolver
{
    /// <summary>MX hosts looked up per domain, lowest preferences first.</summary>
    public const int MaxExchanges = 10;

    /// <summary>Addresses returned per destination.</summary>
    public const int MaxAddresses = 20;

    private readonly IDnsResolver dns;
    private readonly int mxPort;
    private readonly ILogger logger;
    private readonly Random? shuffle;
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> systemLookup;

    /// <summary>Creates the resolver.</summary>
    /// <param name="dns">The relay's resolver.</param>
    /// <param name="mxPort">The port of every MX target (25 in production, a loopback port in labs).</param>
    /// <param name="logger">Optional logger.</param>
    /// <param name="shuffle">Source of the shuffle among equal MX preferences; <see cref="Random.Shared"/> when null. Used under a lock.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mxPort"/> is not 1-65535.</exception>
    public DestinationResolver(IDnsResolver dns, int mxPort, ILogger<DestinationResolver>? logger = null, Random? shuffle = null)
        : this(dns, mxPort, logger, shuffle, Dns.GetHostAddressesAsync)
    {
    }

    /// <summary>Creates the resolver with a stand-in for the system resolver (tests: no real DNS).</summary>
    internal DestinationResolver(
        IDnsResolver dns,
        int mxPort,
        ILogger<DestinationResolver>? logger,
        Random? shuffle,
        Func<string, CancellationToken, Task<IPAddress[]>> systemLookup)
    {
        ArgumentNullException.ThrowIfNull(dns);
        ArgumentOutOfRangeException.ThrowIfLessThan(mxPort, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(mxPort, 65535);
        this.dns = dns;
        this.mxPort = mxPort;
        this.logger = logger ?? NullLogger<DestinationResolver>.Instance;
        this.shuffle = shuffle;
        this.systemLookup = systemLookup;
    }

    /// <summary>Resolves a destination key to the addresses to try, or the reason there are none.</summary>
    /// <param name="destination">A key made by <see cref="Destination.NextHop"/> or <see cref="Destination.Mx"/>.</param>
    /// <param name="ct">Cancels the lookups.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is not a valid key.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public async Task<ResolvedDestination> ResolveAsync(string destination, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var result = await ResolveKeyAsync(destination, ct).ConfigureAwait(false);
        if (result.Failure is { } failure)
        {
            DestinationLog.NotResolved(logger, destination, failure.Status, failure.Text);
        }
        else if (logger.IsEnabled(LogLevel.Debug))
        {
            DestinationLog.Resolved(logger, destination, string.Join(", ", result.Targets.Select(t => $"{t.HostName} ({t.Address})")));
        }

        return result;
    }

    private Task<ResolvedDestination> ResolveKeyAsync(string destination, CancellationToken ct)
    {
        if (destination.StartsWith(Destination.NextHopPrefix, StringComparison.Ordinal))
        {
            if (!Destination.TryParseHostPort(destination[Destination.NextHopPrefix.Length..], out var host, out var port, out var literal, out var error))
            {
                throw new ArgumentException($"Destination '{destination}': next hop {error}", nameof(destination));
            }

            return literal ? Task.FromResult(Literal(host, port)) : ResolveNextHopAsync(host, port, ct);
        }

        if (destination.StartsWith(Destination.MxPrefix, StringComparison.Ordinal))
        {
            if (!Destination.TryNormalizeMailDomain(destination[Destination.MxPrefix.Length..], out var domain, out var error))
            {
                throw new ArgumentException($"Destination '{destination}': {error}", nameof(destination));
            }

            return domain.StartsWith('[') ? Task.FromResult(Literal(domain[1..^1], mxPort)) : ResolveMxAsync(domain, ct);
        }

        throw new ArgumentException($"Destination '{destination}' is neither nexthop:HOST:PORT, nexthop:[IP]:PORT nor mx:DOMAIN", nameof(destination));
    }

    private static ResolvedDestination Literal(string address, int port)
        => ResolvedDestination.To([new DeliveryTarget(address, IPAddress.Parse(address), port, 0)]);

    private async Task<ResolvedDestination> ResolveNextHopAsync(string host, int port, CancellationToken ct)
    {
        var found = await LookupAsync(host, ct).ConfigureAwait(false);
        var addresses = found.Addresses.Count > 0 ? found.Addresses : await AskSystemAsync(host, ct).ConfigureAwait(false);
        if (addresses.Count > 0)
        {
            return ResolvedDestination.To(Targets(host, addresses, port));
        }

        return ResolvedDestination.Failed(found.IsTemporaryFailure
            ? DestinationFailure.Defer("4.4.3", $"DNS lookup of next hop host {host} failed ({Describe(found.Status)})")
            : DestinationFailure.Defer("4.4.4", $"no address for next hop host {host}"));
    }

    private async Task<ResolvedDestination> ResolveMxAsync(string domain, CancellationToken ct)
    {
        var answer = await dns.QueryAsync(domain, DnsRecordType.MX, ct).ConfigureAwait(false);
        if (answer.IsTemporaryFailure)
        {
            return ResolvedDestination.Failed(DestinationFailure.Defer("4.4.3", $"DNS lookup of MX for {domain} failed ({Describe(answer.Status)})"));
        }

        if (answer.Status == DnsStatus.NxDomain)
        {
            return ResolvedDestination.Failed(DestinationFailure.Bounce("5.1.2", $"domain {domain} does not exist"));
        }

        var records = answer.Records.Where(r => r.Type == DnsRecordType.MX && r.Host is not null).ToList();
        if (records.Count == 0)
        {
            return await ResolveImplicitMxAsync(domain, ct).ConfigureAwait(false);
        }

        if (records.TrueForAll(IsNullMx))
        {
            return ResolvedDestination.Failed(DestinationFailure.Bounce("5.1.10", $"{domain} has a null MX (RFC 7505): it accepts no mail"));
        }

        var exchanges = OrderExchanges(domain, records);
        var lookups = await Task.WhenAll(exchanges.Select(e => LookupAsync(e.Host!, ct))).ConfigureAwait(false);
        var targets = new List<DeliveryTarget>();
        var seen = new HashSet<IPAddress>();
        for (var i = 0; i < exchanges.Count && targets.Count < MaxAddresses; i++)
        {
            foreach (var address in lookups[i].Addresses)
            {
                if (targets.Count < MaxAddresses && seen.Add(address))
                {
                    targets.Add(new DeliveryTarget(exchanges[i].Host!, address, mxPort, exchanges[i].Preference));
                }
            }
        }

        if (targets.Count > 0)
        {
            return ResolvedDestination.To(targets);
        }

        var hosts = string.Join(", ", exchanges.Select(e => e.Host));
        return ResolvedDestination.Failed(Array.TrueForAll(lookups, l => l.IsTemporaryFailure)
            ? DestinationFailure.Defer("4.4.3", $"DNS lookup of the MX hosts of {domain} failed ({hosts})")
            : DestinationFailure.Defer("4.4.4", $"no MX host of {domain} has an address ({hosts})"));
    }

    /// <summary>RFC 5321 5.1: no MX records, so the domain itself is the only host, preference 0.</summary>
    private async Task<ResolvedDestination> ResolveImplicitMxAsync(string domain, CancellationToken ct)
    {
        var found = await LookupAsync(domain, ct).ConfigureAwait(false);
        if (found.Addresses.Count > 0)
        {
            return ResolvedDestination.To(Targets(domain, found.Addresses, mxPort));
        }

        return ResolvedDestination.Failed(
            found.IsTemporaryFailure ? DestinationFailure.Defer("4.4.3", $"DNS lookup of addresses for {domain} failed ({Describe(found.Status)})")
            : found.Status == DnsStatus.NxDomain ? DestinationFailure.Bounce("5.1.2", $"domain {domain} does not exist")
            : DestinationFailure.Bounce("5.1.2", $"{domain} has no MX and no address records"));
    }

    /// <summary>By preference, equal preferences shuffled (RFC 5321 5.1), null exchanges and repeated hosts dropped, capped.</summary>
    private List<DnsRecord> OrderExchanges(string domain, List<DnsRecord> records)
    {
        var ordered = records.Where(r => !IsNullMx(r)).OrderBy(r => r.Preference).ToList();
        for (var start = 0; start < ordered.Count;)
        {
            var end = start + 1;
            while (end < ordered.Count && ordered[end].Preference == ordered[start].Preference)
            {
                end++;
            }

            Shuffle(ordered, start, end);
            start = end;
        }

        var hosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        ordered.RemoveAll(r => !hosts.Add(r.Host!));
        if (ordered.Count > MaxExchanges)
        {
            DestinationLog.TooManyExchanges(logger, domain, ordered.Count, MaxExchanges);
            ordered.RemoveRange(MaxExchanges, ordered.Count - MaxExchanges);
        }

        return ordered;
    }

    /// <summary>Fisher-Yates over [start, end).</summary>
    private void Shuffle(List<DnsRecord> list, int start, int end)
    {
        for (var i = end - 1; i > start; i--)
        {
            var j = start + Next(i - start + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }

    private int Next(int maxExclusive)
    {
        if (shuffle is null)
        {
            return Random.Shared.Next(maxExclusive);
        }

        lock (shuffle)
        {
            return shuffle.Next(maxExclusive);
        }
    }

    private async Task<HostAddresses> LookupAsync(string host, CancellationToken ct)
    {
        var a = dns.QueryAsync(host, DnsRecordType.A, ct).AsTask();
        var aaaa = dns.QueryAsync(host, DnsRecordType.AAAA, ct).AsTask();
        return HostAddresses.From(await a.ConfigureAwait(false), await aaaa.ConfigureAwait(false));
    }

    /// <summary>The system resolver (hosts file, then the system's DNS), IPv4 first.</summary>
    private async Task<IReadOnlyList<IPAddress>> AskSystemAsync(string host, CancellationToken ct)
    {
        try
        {
            var addresses = await systemLookup(host, ct).ConfigureAwait(false);
            return [.. addresses.OrderBy(a => a.AddressFamily == AddressFamily.InterNetworkV6 ? 1 : 0)];
        }
        catch (SocketException e)
        {
            // HostNotFound / NoData / TryAgain: the caller reports "no address" with the DNS status it has.
            DestinationLog.SystemLookupFailed(logger, host, e);
            return [];
        }
    }

    private static List<DeliveryTarget> Targets(string host, IEnumerable<IPAddress> addresses, int port)
        => [.. addresses.Distinct().Take(MaxAddresses).Select(a => new DeliveryTarget(host, a, port, 0))];

    /// <summary>RFC 7505: exchange "." (the zone resolver keeps the dot, the live resolver trims it to "").</summary>
    private static bool IsNullMx(DnsRecord record) => record.Host is "." or "";

    private static string Describe(DnsStatus status) => status == DnsStatus.Timeout ? "timeout" : "server failure";
}
