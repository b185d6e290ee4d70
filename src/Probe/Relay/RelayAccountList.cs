namespace SmarthostLab.Probe.Relay;

/// <summary>GET /api/v1/accounts response.</summary>
public sealed class RelayAccountList
{
    /// <summary>Accounts.</summary>
    public List<RelayAccount> Accounts { get; set; } = [];
}
