using System.Net;

namespace SmarthostLab.Verification.Dns;

/// <summary>DNS record types the verification code asks for.</summary>
public enum DnsRecordType
{
    /// <summary>IPv4 address (RFC 1035).</summary>
    A,
    /// <summary>IPv6 address (RFC 3596).</summary>
    AAAA,
    /// <summary>Mail exchanger (RFC 1035).</summary>
    MX,
    /// <summary>Text (RFC 1035); SPF, DKIM and DMARC records live here.</summary>
    TXT,
    /// <summary>Domain name pointer (reverse lookups).</summary>
    PTR,
    /// <summary>Canonical name.</summary>
    CNAME,
}

/// <summary>Outcome of one DNS query, as RFC 7208 2.6/5 and RFC 6376 6.1.2 distinguish them.</summary>
public enum DnsStatus
{
    /// <summary>The name exists; <see cref="DnsAnswer.Records"/> may still be empty (NODATA).</summary>
    NoError,
    /// <summary>The name does not exist (RCODE 3).</summary>
    NxDomain,
    /// <summary>The server failed (SERVFAIL or another error RCODE): a temporary error.</summary>
    ServerFailure,
    /// <summary>No answer in time: a temporary error.</summary>
    Timeout,
}

/// <summary>One resource record. Which members are set depends on <see cref="Type"/>.</summary>
/// <param name="Name">Owner name, lower case, without trailing dot.</param>
/// <param name="Type">Record type.</param>
/// <param name="Ttl">Time to live.</param>
/// <param name="Address">A/AAAA: the address.</param>
/// <param name="Host">MX exchange, PTR target or CNAME target, without trailing dot.</param>
/// <param name="Preference">MX preference.</param>
/// <param name="TextStrings">TXT: the character-strings as raw octets (non-ASCII kept as Latin-1 chars).</param>
public sealed record DnsRecord(
    string Name,
    DnsRecordType Type,
    TimeSpan Ttl,
    IPAddress? Address = null,
    string? Host = null,
    int Preference = 0,
    IReadOnlyList<string>? TextStrings = null)
{
    /// <summary>TXT: the character-strings concatenated with nothing between them (RFC 7208 3.3, RFC 6376 3.6.2.2).</summary>
    public string Text => TextStrings is null ? string.Empty : string.Concat(TextStrings);
}

/// <summary>The answer to one query.</summary>
/// <param name="Status">Response status.</param>
/// <param name="Records">Records of the asked type (CNAMEs already followed by the resolver).</param>
/// <param name="NegativeTtl">For NXDOMAIN/NODATA, how long the negative answer may be cached.</param>
public sealed record DnsAnswer(DnsStatus Status, IReadOnlyList<DnsRecord> Records, TimeSpan NegativeTtl = default)
{
    /// <summary>True for SERVFAIL and timeouts: callers report temperror.</summary>
    public bool IsTemporaryFailure => Status is DnsStatus.ServerFailure or DnsStatus.Timeout;

    /// <summary>An empty NOERROR answer.</summary>
    public static DnsAnswer NoData(TimeSpan negativeTtl = default) => new(DnsStatus.NoError, [], negativeTtl);

    /// <summary>An NXDOMAIN answer.</summary>
    public static DnsAnswer NonExistent(TimeSpan negativeTtl = default) => new(DnsStatus.NxDomain, [], negativeTtl);
}

/// <summary>
/// The only edge between verification and the network. Implementations: live (DnsClient), zone
/// (records from an RFC 1035 master file), a TTL-honouring cache, and the zone-then-live chain.
/// Implementations never throw for DNS failures: they answer <see cref="DnsStatus.ServerFailure"/>
/// or <see cref="DnsStatus.Timeout"/>. They must be safe for concurrent use.
/// </summary>
public interface IDnsResolver
{
    /// <summary>Asks for records of <paramref name="type"/> at <paramref name="name"/> (no trailing dot needed).</summary>
    ValueTask<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken = default);
}
