namespace SmarthostLab.Verification.Spf;

/// <summary>The SPF mechanisms of RFC 7208 section 5.</summary>
public enum SpfMechanismKind
{
    /// <summary>"all" (RFC 7208 5.1): always matches.</summary>
    All,
    /// <summary>"include" (RFC 7208 5.2): matches when the included domain's check_host() passes.</summary>
    Include,
    /// <summary>"a" (RFC 7208 5.3): the client IP is one of the domain's addresses.</summary>
    A,
    /// <summary>"mx" (RFC 7208 5.4): the client IP is an address of one of the domain's MX hosts.</summary>
    Mx,
    /// <summary>"ptr" (RFC 7208 5.5, not recommended): the client's validated reverse name is in the domain.</summary>
    Ptr,
    /// <summary>"ip4" (RFC 7208 5.6): the client IPv4 address is in the network.</summary>
    Ip4,
    /// <summary>"ip6" (RFC 7208 5.6): the client IPv6 address is in the network.</summary>
    Ip6,
    /// <summary>"exists" (RFC 7208 5.7): an A record exists at the expanded name.</summary>
    Exists,
}
