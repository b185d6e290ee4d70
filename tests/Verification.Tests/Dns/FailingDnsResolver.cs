using SmarthostLab.Verification.Dns;

namespace SmarthostLab.Verification.Tests.Dns;

/// <summary>
/// A resolver that fails every query (or only those for the given names) with SERVFAIL or a timeout,
/// and passes the rest to an inner resolver.
/// </summary>
internal sealed class FailingDnsResolver(DnsStatus failure, IDnsResolver? inner = null, params string[] names) : IDnsResolver
{
    private readonly HashSet<string> failing = new(names, StringComparer.OrdinalIgnoreCase);

    public static FailingDnsResolver TimingOut(IDnsResolver? inner = null, params string[] names) => new(DnsStatus.Timeout, inner, names);

    public static FailingDnsResolver ServFail(IDnsResolver? inner = null, params string[] names) => new(DnsStatus.ServerFailure, inner, names);

    public ValueTask<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken = default)
        => inner is null || failing.Count == 0 || failing.Contains(name.TrimEnd('.'))
            ? ValueTask.FromResult(new DnsAnswer(failure, []))
            : inner.QueryAsync(name, type, cancellationToken);
}
