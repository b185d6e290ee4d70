using SmarthostLab.Relay.Configuration;
using SmarthostLab.Verification;

namespace SmarthostLab.Relay.Admission;

/// <summary>An account as admission sees it: immutable, with its effective outbound servers (config plus runtime changes).</summary>
/// <param name="Name">Account name.</param>
/// <param name="OutboundServers">Effective registered ranges, canonical and distinct.</param>
/// <param name="Domains">Domains the account sends for (lower case).</param>
/// <param name="Options">The configured account (policies, DKIM keys).</param>
public sealed record Account(string Name, IReadOnlyList<IpPrefix> OutboundServers, IReadOnlyList<string> Domains, AccountOptions Options)
{
    /// <summary>True when <paramref name="domain"/> is one of <see cref="Domains"/> or a subdomain of one.</summary>
    public bool OwnsDomain(string domain)
    {
        foreach (var own in Domains)
        {
            if (domain.Equals(own, StringComparison.OrdinalIgnoreCase) || IsSubdomainOf(domain, own)) return true;
        }
        return false;
    }

    /// <summary>True when <paramref name="domain"/> is a proper subdomain of <paramref name="parent"/> (case-insensitive).</summary>
    public static bool IsSubdomainOf(string domain, string parent) =>
        domain.Length > parent.Length + 1 && domain.EndsWith(parent, StringComparison.OrdinalIgnoreCase) && domain[^(parent.Length + 1)] == '.';
}
