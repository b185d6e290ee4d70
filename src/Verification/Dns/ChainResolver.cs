namespace SmarthostLab.Verification.Dns;

/// <summary>
/// Zone first, live for the rest: each query goes to the zone resolvers in order; the first that
/// holds an apex covering the name answers; a CNAME leaving the zones is followed through the chain;
/// names no zone holds go to the live resolver (SERVFAIL when there is none).
/// </summary>
public sealed class ChainResolver : IDnsResolver
{
    private const int MaxCnameChain = 8;
    private readonly ZoneResolver[] zones;
    private readonly IDnsResolver? live;

    /// <summary>Creates the chain.</summary>
    public ChainResolver(IEnumerable<ZoneResolver> zones, IDnsResolver? live)
    {
        this.zones = [.. zones];
        this.live = live;
    }

    /// <inheritdoc/>
    public ValueTask<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken = default)
    {
        var current = name;
        for (var depth = 0; depth <= MaxCnameChain; depth++)
        {
            ZoneLookup lookup = default;
            foreach (var zone in zones)
            {
                lookup = zone.Lookup(current, type);
                if (lookup.IsMine)
                {
                    break;
                }
            }

            if (lookup.Answer is { } answer)
            {
                return ValueTask.FromResult(answer);
            }

            if (lookup.CnameTarget is { } target)
            {
                current = target;
                continue;
            }

            return live?.QueryAsync(current, type, cancellationToken) ?? ValueTask.FromResult(new DnsAnswer(DnsStatus.ServerFailure, []));
        }

        return ValueTask.FromResult(new DnsAnswer(DnsStatus.ServerFailure, []));
    }
}
