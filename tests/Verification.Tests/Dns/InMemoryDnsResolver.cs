using System.Collections.Concurrent;
using SmarthostLab.Verification.Dns;

namespace SmarthostLab.Verification.Tests.Dns;

/// <summary>
/// A test resolver holding records in memory: names with no records answer NXDOMAIN, names with
/// other types only answer NODATA, names marked as timing out answer <see cref="DnsStatus.Timeout"/>
/// for the types they hold no records of, names marked as failing answer their failure status for
/// every type. CNAMEs are followed (at most 8 deep). Counts the queries it answers.
/// </summary>
internal sealed class InMemoryDnsResolver : IDnsResolver
{
    private readonly Dictionary<string, List<DnsRecord>> records = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> timeouts = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, DnsStatus> failures = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> existing = new(StringComparer.OrdinalIgnoreCase);
    private int queries;

    /// <summary>Queries answered so far.</summary>
    public int Queries => Volatile.Read(ref queries);

    /// <summary>Every query asked, in order.</summary>
    public ConcurrentQueue<(string Name, DnsRecordType Type)> Log { get; } = new();

    public InMemoryDnsResolver Add(DnsRecord record)
    {
        var name = Normalize(record.Name);
        if (!records.TryGetValue(name, out var list))
        {
            records[name] = list = [];
        }

        list.Add(record with { Name = name });
        return this;
    }

    public InMemoryDnsResolver AddTxt(string name, params string[] strings)
        => Add(new DnsRecord(name, DnsRecordType.TXT, TimeSpan.FromMinutes(5), TextStrings: strings));

    public InMemoryDnsResolver AddA(string name, string address)
        => Add(new DnsRecord(name, address.Contains(':') ? DnsRecordType.AAAA : DnsRecordType.A, TimeSpan.FromMinutes(5), Address: System.Net.IPAddress.Parse(address)));

    public InMemoryDnsResolver AddMx(string name, int preference, string host)
        => Add(new DnsRecord(name, DnsRecordType.MX, TimeSpan.FromMinutes(5), Host: Normalize(host), Preference: preference));

    /// <summary>Marks a name as existing (NODATA for every type) without records.</summary>
    public InMemoryDnsResolver AddEmpty(string name)
    {
        existing.Add(Normalize(name));
        return this;
    }

    /// <summary>Every query for <paramref name="name"/> times out, except for types it holds records of (the RFC 7208 suite's TIMEOUT).</summary>
    public InMemoryDnsResolver AddTimeout(string name)
    {
        timeouts.Add(Normalize(name));
        return this;
    }

    /// <summary>Every query for <paramref name="name"/> answers <paramref name="status"/>, whatever records it holds.</summary>
    public InMemoryDnsResolver AddFailure(string name, DnsStatus status)
    {
        failures[Normalize(name)] = status;
        return this;
    }

    public ValueTask<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref queries);
        Log.Enqueue((name, type));
        var current = Normalize(name);
        var answers = new List<DnsRecord>();
        for (var depth = 0; depth < 8; depth++)
        {
            if (failures.TryGetValue(current, out var failure))
            {
                return ValueTask.FromResult(new DnsAnswer(failure, []));
            }

            var found = records.TryGetValue(current, out var list);
            if (timeouts.Contains(current) && (list is null || !list.Exists(r => r.Type == type || r.Type == DnsRecordType.CNAME)))
            {
                // A name marked TIMEOUT times out for every type it holds no records of.
                return ValueTask.FromResult(new DnsAnswer(DnsStatus.Timeout, []));
            }

            if (!found || list is null)
            {
                return ValueTask.FromResult(answers.Count > 0 || existing.Contains(current)
                    ? DnsAnswer.NoData()
                    : DnsAnswer.NonExistent());
            }

            var cname = type == DnsRecordType.CNAME ? null : list.Find(r => r.Type == DnsRecordType.CNAME);
            if (cname is null)
            {
                return ValueTask.FromResult(new DnsAnswer(DnsStatus.NoError, list.FindAll(r => r.Type == type)));
            }

            answers.Add(cname);
            current = Normalize(cname.Host!);
        }

        return ValueTask.FromResult(new DnsAnswer(DnsStatus.ServerFailure, []));
    }

    // White space too: authentication-milter's google_apps_bad_space case asks for " marcbradshaw.net".
    private static string Normalize(string name) => name.Trim().TrimEnd('.').ToLowerInvariant();
}
