using System.Net;
using SmarthostLab.Verification.Dns;

namespace SmarthostLab.Relay.Delivery;

/// <summary>The A and AAAA answers for one host, IPv4 first.</summary>
/// <param name="Addresses">The addresses found, IPv4 then IPv6, in answer order.</param>
/// <param name="Status">When there are none, the most telling status of the two queries: a temporary
/// failure beats NXDOMAIN, which beats NODATA; <see cref="DnsStatus.NoError"/> when there are addresses.</param>
internal readonly record struct HostAddresses(IReadOnlyList<IPAddress> Addresses, DnsStatus Status)
{
    /// <summary>True when neither query answered for sure (SERVFAIL or timeout) and nothing was found.</summary>
    public bool IsTemporaryFailure => Status is DnsStatus.ServerFailure or DnsStatus.Timeout;

    /// <summary>Combines the two answers.</summary>
    public static HostAddresses From(DnsAnswer a, DnsAnswer aaaa)
    {
        var addresses = new List<IPAddress>(a.Records.Count + aaaa.Records.Count);
        Add(addresses, a, DnsRecordType.A);
        Add(addresses, aaaa, DnsRecordType.AAAA);
        if (addresses.Count > 0)
        {
            return new HostAddresses(addresses, DnsStatus.NoError);
        }

        var status = a.IsTemporaryFailure ? a.Status
            : aaaa.IsTemporaryFailure ? aaaa.Status
            : a.Status == DnsStatus.NxDomain || aaaa.Status == DnsStatus.NxDomain ? DnsStatus.NxDomain
            : DnsStatus.NoError;
        return new HostAddresses(addresses, status);
    }

    private static void Add(List<IPAddress> addresses, DnsAnswer answer, DnsRecordType type)
    {
        foreach (var record in answer.Records)
        {
            if (record.Type == type && record.Address is { } address)
            {
                addresses.Add(address);
            }
        }
    }
}
