namespace SmarthostLab.Probe.Relay;

/// <summary>One account of the relay's admission registry (docs/API.md, Accounts).</summary>
public sealed class RelayAccount
{
    /// <summary>Account name.</summary>
    public string? Name { get; set; }

    /// <summary>Registered outbound servers as IPs or CIDR ranges.</summary>
    public List<string> OutboundServers { get; set; } = [];

    /// <summary>The account's domains.</summary>
    public List<string> Domains { get; set; } = [];
}
