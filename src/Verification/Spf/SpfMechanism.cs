using System.Net;

namespace SmarthostLab.Verification.Spf;

/// <summary>One parsed mechanism of an SPF record (RFC 7208 4.6.2, 5).</summary>
public sealed class SpfMechanism
{
    internal SpfMechanism(string text, SpfResult qualifier, SpfMechanismKind kind, SpfMacroString? domainSpec, IPAddress? network, int cidr4, int cidr6)
    {
        Text = text;
        Qualifier = qualifier;
        Kind = kind;
        DomainSpec = domainSpec;
        Network = network;
        Cidr4 = cidr4;
        Cidr6 = cidr6;
    }

    /// <summary>The term as written.</summary>
    public string Text { get; }

    /// <summary>The result when it matches: pass (+, default), fail (-), softfail (~) or neutral (?).</summary>
    public SpfResult Qualifier { get; }

    /// <summary>The mechanism.</summary>
    public SpfMechanismKind Kind { get; }

    /// <summary>Target name (include, a, mx, ptr, exists); null = the current domain.</summary>
    public SpfMacroString? DomainSpec { get; }

    /// <summary>ip4/ip6: the network address.</summary>
    public IPAddress? Network { get; }

    /// <summary>ip4, a, mx: IPv4 prefix length (32 when not given).</summary>
    public int Cidr4 { get; }

    /// <summary>ip6, a, mx: IPv6 prefix length (128 when not given).</summary>
    public int Cidr6 { get; }

    /// <summary>True for the mechanisms that count against the 10 DNS-lookup limit (RFC 7208 4.6.4).</summary>
    public bool QueriesDns => Kind is SpfMechanismKind.Include or SpfMechanismKind.A or SpfMechanismKind.Mx
        or SpfMechanismKind.Ptr or SpfMechanismKind.Exists;

    /// <inheritdoc/>
    public override string ToString() => Text;
}
