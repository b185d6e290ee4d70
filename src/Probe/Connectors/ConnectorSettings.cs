namespace SmarthostLab.Probe.Connectors;

/// <summary>
/// The settings of one exported connector that matter for routing through a smarthost,
/// normalized from either Exchange generation. Null means "not in the export".
/// </summary>
public sealed class ConnectorSettings
{
    /// <summary>Exchange generation of the export.</summary>
    public required ExchangeVersion Version { get; init; }

    /// <summary>Export format: json, format-list or ldif.</summary>
    public required string Format { get; init; }

    /// <summary>Connector name.</summary>
    public string? Name { get; set; }

    /// <summary>Identity / distinguished name, when exported.</summary>
    public string? Identity { get; set; }

    /// <summary>Enabled flag (Exchange 2007 and later).</summary>
    public bool? Enabled { get; set; }

    /// <summary>Address spaces (AddressSpaces / routingList).</summary>
    public List<AddressSpaceEntry> AddressSpaces { get; } = [];

    /// <summary>Address space entries that could not be parsed, kept for the report.</summary>
    public List<string> UnparsedAddressSpaces { get; } = [];

    /// <summary>True when the connector looks up MX records itself instead of using smart hosts.</summary>
    public bool? DnsRoutingEnabled { get; set; }

    /// <summary>Smart hosts as written (names or bracketed IP literals).</summary>
    public List<string> SmartHosts { get; } = [];

    /// <summary>Smart-host authentication; null when unknown.</summary>
    public SmartHostAuth? SmartHostAuth { get; set; }

    /// <summary>The raw value when the authentication value was not one this probe knows.</summary>
    public string? SmartHostAuthRaw { get; set; }

    /// <summary>RequireTLS (2016) or the TLS bit of the outbound security flag (2003).</summary>
    public bool? RequireTls { get; set; }

    /// <summary>TlsAuthLevel name, when set.</summary>
    public string? TlsAuthLevel { get; set; }

    /// <summary>Source transport servers (2016) or bridgehead servers (2003), by name.</summary>
    public List<string> SourceServers { get; } = [];

    /// <summary>IsScopedConnector (2016) or a Local: routing list entry (2003).</summary>
    public bool? IsScoped { get; set; }

    /// <summary>Destination port (2007 and later).</summary>
    public int? Port { get; set; }

    /// <summary>Exchange 2003: "Allow messages to be relayed to these domains"; null when the export does not say.</summary>
    public bool? RelayAllowed { get; set; }

    /// <summary>Fqdn presented in EHLO, when set.</summary>
    public string? Fqdn { get; set; }
}
