using SmarthostLab.Verification.Dns;

namespace SmarthostLab.Verification.Tests.Dns;

/// <summary>
/// A resolver that answers every query with SERVFAIL or a timeout (failing only some names is
/// <see cref="InMemoryDnsResolver.AddFailure"/>'s job).
/// </summary>
internal sealed class FailingDnsResolver(DnsStatus failure) : IDnsResolver
{
    public static FailingDnsResolver TimingOut() => new(DnsStatus.Timeout);

    public static FailingDnsResolver ServFail() => new(DnsStatus.ServerFailure);

    public ValueTask<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(new DnsAnswer(failure, []));
}
