using SmarthostLab.Verification.Dns;

namespace SmarthostLab.Relay.Tests.Delivery;

/// <summary>
/// Answers from an inner resolver, except the queries a test marks as failing (SERVFAIL or timeout),
/// and records every query asked.
/// </summary>
internal sealed class ScriptedDnsResolver(IDnsResolver inner) : IDnsResolver
{
    private readonly Dictionary<(string Name, DnsRecordType? Type), DnsStatus> failures = [];

    /// <summary>Every query asked, in order.</summary>
    public List<(string Name, DnsRecordType Type)> Queries { get; } = [];

    /// <summary>A resolver that fails every query with <paramref name="status"/>.</summary>
    public static ScriptedDnsResolver Failing(DnsStatus status) => new(new ZoneResolver([])) { Default = status };

    /// <summary>The status of every query not otherwise scripted; null to ask the inner resolver.</summary>
    public DnsStatus? Default { get; init; }

    /// <summary>Queries for <paramref name="name"/> (of <paramref name="type"/>, or of every type when null) answer <paramref name="status"/>.</summary>
    public ScriptedDnsResolver Fail(string name, DnsStatus status, DnsRecordType? type = null)
    {
        failures[(name, type)] = status;
        return this;
    }

    public ValueTask<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken = default)
    {
        lock (Queries)
        {
            Queries.Add((name, type));
        }

        DnsStatus? status = failures.TryGetValue((name, type), out var exact) ? exact
            : failures.TryGetValue((name, null), out var any) ? any
            : Default;
        return status is { } failure ? ValueTask.FromResult(new DnsAnswer(failure, [])) : inner.QueryAsync(name, type, cancellationToken);
    }
}
