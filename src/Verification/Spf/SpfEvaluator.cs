using System.Net;
using SmarthostLab.Verification.Dns;

namespace SmarthostLab.Verification.Spf;

/// <summary>RFC 7208 check_host(). Placeholder signature; the implementation replaces this file.</summary>
public sealed class SpfEvaluator(IDnsResolver dns)
{
    /// <summary>The resolver used for every lookup.</summary>
    public IDnsResolver Dns { get; } = dns;

    /// <summary>
    /// Evaluates the MAIL FROM identity (RFC 7208 2.4): for a null sender (empty <paramref name="mailFrom"/>)
    /// the identity is postmaster@<paramref name="helo"/> and the verdict's Identity is "helo".
    /// </summary>
    public Task<SpfVerdict> CheckMailFromAsync(IPAddress ip, string mailFrom, string helo, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>Evaluates the HELO identity on its own (RFC 7208 2.3).</summary>
    public Task<SpfVerdict> CheckHeloAsync(IPAddress ip, string helo, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>check_host(ip, domain, sender) with <paramref name="helo"/> for the %{h} macro.</summary>
    public Task<SpfVerdict> CheckHostAsync(IPAddress ip, string domain, string sender, string helo, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();
}
