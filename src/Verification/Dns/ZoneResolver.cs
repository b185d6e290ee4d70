using System.Collections.Frozen;

namespace SmarthostLab.Verification.Dns;

/// <summary>
/// Answers from zone files (RFC 1035 5) for every owner name they hold, wherever it is: the asked
/// type's records, or NODATA (RFC 2308 2.2) when the name holds other types only. Under the apexes
/// the files hold ($ORIGIN, SOA owners) the resolver is also authoritative for non-existence: a name
/// no file holds is NXDOMAIN, an empty non-terminal is NODATA (RFC 8020). CNAMEs are followed through
/// the names held. Any other name is "not mine": on its own this resolver answers it SERVFAIL;
/// <see cref="ChainResolver"/> asks live DNS instead, so a file without $ORIGIN or SOA adds its names
/// to live DNS rather than hiding the rest of a domain. Names are compared case-insensitively.
/// Immutable and thread-safe.
/// </summary>
public sealed class ZoneResolver : IDnsResolver
{
    private const int MaxCnameChain = 8;
    private readonly FrozenDictionary<string, FrozenDictionary<DnsRecordType, DnsRecord[]>> names;
    private readonly FrozenDictionary<string, TimeSpan> apexes;
    private readonly FrozenDictionary<string, FrozenDictionary<DnsRecordType, DnsRecord[]>>.AlternateLookup<ReadOnlySpan<char>> nameLookup;
    private readonly FrozenDictionary<string, TimeSpan>.AlternateLookup<ReadOnlySpan<char>> apexLookup;

    /// <summary>Builds the resolver from parsed zone files.</summary>
    public ZoneResolver(IEnumerable<ZoneFile> zones)
    {
        var byName = new Dictionary<string, Dictionary<DnsRecordType, List<DnsRecord>>>(StringComparer.OrdinalIgnoreCase);
        var heldApexes = new Dictionary<string, TimeSpan>(StringComparer.OrdinalIgnoreCase);
        var files = zones.ToList();
        foreach (var zone in files)
        {
            foreach (var (apex, ttl) in zone.Apexes)
            {
                heldApexes[apex] = heldApexes.TryGetValue(apex, out var known) && known < ttl ? known : ttl;
            }
        }

        foreach (var zone in files)
        {
            foreach (var name in zone.Names)
            {
                AddName(byName, heldApexes, name);
            }

            foreach (var record in zone.Records)
            {
                var types = AddName(byName, heldApexes, record.Name);
                if (!types.TryGetValue(record.Type, out var list))
                {
                    types[record.Type] = list = [];
                }

                list.Add(record);
            }
        }

        names = byName.ToFrozenDictionary(
            p => p.Key,
            p => p.Value.ToFrozenDictionary(t => t.Key, t => t.Value.ToArray()),
            StringComparer.OrdinalIgnoreCase);
        apexes = heldApexes.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        nameLookup = names.GetAlternateLookup<ReadOnlySpan<char>>();
        apexLookup = apexes.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Builds the resolver from zone file text (tests, samples).</summary>
    public static ZoneResolver FromText(string text, string fileName = "zone") => new([ZoneFile.Parse(text, fileName)]);

    /// <summary>Loads zone files from disk.</summary>
    /// <exception cref="ZoneFileException">A file has a syntax error.</exception>
    public static ZoneResolver Load(IEnumerable<string> paths) => new(paths.Select(p => ZoneFile.Load(p)));

    /// <summary>The apexes this resolver is authoritative for.</summary>
    public IReadOnlyCollection<string> Apexes => apexes.Keys;

    /// <summary>Number of owner names held.</summary>
    public int NameCount => names.Count;

    /// <inheritdoc/>
    public ValueTask<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken = default)
    {
        var lookup = Lookup(name, type);
        return ValueTask.FromResult(lookup.Answer ?? (lookup.CnameTarget is not null ? DnsAnswer.NoData() : new DnsAnswer(DnsStatus.ServerFailure, [])));
    }

    /// <summary>True when <paramref name="name"/> is at or under a held apex.</summary>
    public bool IsAuthoritativeFor(string name) => FindApex(Trim(name), out _);

    /// <summary>The zone's knowledge of one query, following CNAMEs inside held apexes.</summary>
    internal ZoneLookup Lookup(string name, DnsRecordType type)
    {
        var current = Trim(name);
        for (var depth = 0; depth <= MaxCnameChain; depth++)
        {
            if (!nameLookup.TryGetValue(current, out var types))
            {
                if (FindApex(current, out var negativeTtl))
                {
                    return new ZoneLookup(DnsAnswer.NonExistent(negativeTtl));
                }

                return depth == 0 ? default : new ZoneLookup(null, current.ToString());
            }

            if (types.TryGetValue(type, out var records))
            {
                return new ZoneLookup(new DnsAnswer(DnsStatus.NoError, records));
            }

            if (type != DnsRecordType.CNAME && types.TryGetValue(DnsRecordType.CNAME, out var cname))
            {
                current = Trim(cname[0].Host!);
                continue;
            }

            // A held name outside every apex has no SOA to take a negative TTL from.
            return new ZoneLookup(DnsAnswer.NoData(FindApex(current, out var noDataTtl) ? noDataTtl : ZoneFile.DefaultNegativeTtl));
        }

        // A CNAME loop or overly long chain inside the zone.
        return new ZoneLookup(new DnsAnswer(DnsStatus.ServerFailure, []));
    }

    private bool FindApex(ReadOnlySpan<char> name, out TimeSpan negativeTtl)
    {
        while (true)
        {
            if (apexLookup.TryGetValue(name, out negativeTtl))
            {
                return true;
            }

            var dot = name.IndexOf('.');
            if (dot < 0)
            {
                return apexLookup.TryGetValue(string.Empty, out negativeTtl);
            }

            name = name[(dot + 1)..];
        }
    }

    private static ReadOnlySpan<char> Trim(string name)
    {
        var span = name.AsSpan();
        return span.EndsWith('.') ? span[..^1] : span;
    }

    /// <summary>
    /// Adds a name and, when it is under a held apex, its ancestors up to that apex (empty non-terminals
    /// exist, RFC 8020). Outside every apex only the name itself is held: its parents belong to live DNS.
    /// </summary>
    private static Dictionary<DnsRecordType, List<DnsRecord>> AddName(
        Dictionary<string, Dictionary<DnsRecordType, List<DnsRecord>>> byName,
        Dictionary<string, TimeSpan> heldApexes,
        string name)
    {
        if (!byName.TryGetValue(name, out var types))
        {
            byName[name] = types = [];
        }

        var between = new List<string>();
        var parent = name;
        while (!heldApexes.ContainsKey(parent))
        {
            if (parent.Length == 0)
            {
                return types;
            }

            var dot = parent.IndexOf('.');
            parent = dot < 0 ? string.Empty : parent[(dot + 1)..];
            between.Add(parent);
        }

        foreach (var ancestor in between)
        {
            byName.TryAdd(ancestor, []);
        }

        return types;
    }
}
