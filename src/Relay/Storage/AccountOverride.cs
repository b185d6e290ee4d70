namespace SmarthostLab.Relay.Storage;

/// <summary>An outbound server added to (or removed from) a configured account at runtime.</summary>
/// <param name="Account">Account name.</param>
/// <param name="Address">Canonical address or CIDR range.</param>
/// <param name="Added">True: added to the configured list; false: removed from it.</param>
public sealed record AccountOverride(string Account, string Address, bool Added);
