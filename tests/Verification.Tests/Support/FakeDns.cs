using System.Collections.Concurrent;
using System.Net;
using SmarthostLab.Verification.Dns;

namespace SmarthostLab.Verification.Tests.Support;

/// <summary>An in-memory resolver for tests: records by name, plus names that time out or SERVFAIL.</summary>
public sealed class FakeDns : IDnsResolver
{
    private readonly ConcurrentDictionary<string, List<DnsRecord>> _records = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, DnsStatus> _failures = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Queries answered so far.</summary>
    public int QueryCount;

    public FakeDns Txt(string name, params string[] strings)
    {
        Add(new DnsRecord(Norm(name), DnsRecordType.TXT, TimeSpan.FromMinutes(5), TextStrings: strings));
        return this;
    }

    public FakeDns A(string name, string ip)
    {
        var address = IPAddress.Parse(ip);
        Add(new DnsRecord(Norm(name), address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? DnsRecordType.AAAA : DnsRecordType.A, TimeSpan.FromMinutes(5), Address: address));
        return this;
    }

    public FakeDns Add(DnsRecord record)
    {
        _records.GetOrAdd(Norm(record.Name), _ => []).Add(record with { Name = Norm(record.Name) });
        return this;
    }

    public FakeDns Fail(string name, DnsStatus status)
    {
        _failures[Norm(name)] = status;
        return this;
    }

    public FakeDns NxDomain(string name) => Fail(name, DnsStatus.NxDomain);

    public ValueTask<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref QueryCount);
        var key = Norm(name);
        if (_failures.TryGetValue(key, out var status))
        {
            return ValueTask.FromResult(new DnsAnswer(status, []));
        }

        if (!_records.TryGetValue(key, out var list))
        {
            return ValueTask.FromResult(DnsAnswer.NonExistent());
        }

        var cname = list.FirstOrDefault(r => r.Type == DnsRecordType.CNAME);
        if (cname is not null && type != DnsRecordType.CNAME)
        {
            return QueryAsync(cname.Host!, type, cancellationToken);
        }

        return ValueTask.FromResult(new DnsAnswer(DnsStatus.NoError, list.Where(r => r.Type == type).ToList()));
    }

    private static string Norm(string name) => name.Trim().TrimEnd('.').ToLowerInvariant();
}
