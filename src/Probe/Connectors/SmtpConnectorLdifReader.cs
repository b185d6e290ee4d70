using System.Globalization;

namespace SmarthostLab.Probe.Connectors;

/// <summary>
/// Maps an Exchange 2003 SMTP connector exported with <c>ldifde -f F -d "CN=Connectors,…" -r "(objectClass=msExchRoutingSMTPConnector)"</c>.
/// Attributes relied on (Exchange 2003 schema, class ms-Exch-Routing-SMTP-Connector, a mailGateway):
/// <list type="bullet">
/// <item><c>cn</c>: the connector name.</item>
/// <item><c>routingList</c>: address spaces, <c>SMTP:*;1</c> (a <c>Local:</c> prefix marks a routing-group scope).</item>
/// <item><c>msExchSmtpSmartHost</c>: "Forward all mail through this connector to the following smart hosts";
/// absent or empty means "Use DNS to route to each address space" (Exchange derives DNSRoutingEnabled the same way).</item>
/// <item><c>msExchSmtpOutboundSecurityFlag</c>: Advanced → Outbound Security: 0 anonymous, 1 Basic,
/// 2 Integrated Windows, bit 4 TLS encryption.</item>
/// <item><c>msExchSourceBridgeheadServersDN</c>: local bridgeheads, DNs of SMTP virtual servers
/// (<c>CN=1,CN=SMTP,CN=Protocols,CN=SERVER,…</c>).</item>
/// </list>
/// </summary>
public static class SmtpConnectorLdifReader
{
    /// <summary>The objectClass of an Exchange 2000/2003 SMTP connector.</summary>
    public const string ObjectClass = "msExchRoutingSMTPConnector";

    /// <summary>True when the text looks like LDIF.</summary>
    public static bool LooksLikeLdif(string text)
    {
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#' || line.StartsWith("version:", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            return line.StartsWith("dn:", StringComparison.OrdinalIgnoreCase);
        }

        return false;
    }

    /// <summary>Parses the LDIF text and maps the (first wildcard) SMTP connector record.</summary>
    public static ConnectorSettings Read(string text, out int connectorsInFile)
    {
        var connectors = LdifParser.Parse(text).Where(e => e.IsA(ObjectClass)).ToList();
        connectorsInFile = connectors.Count;
        if (connectors.Count == 0)
        {
            throw new ProbeException($"the LDIF holds no record with objectClass {ObjectClass} (export the connector with ldifde -r \"(objectClass={ObjectClass})\")");
        }

        var parsed = connectors.Select(Map).ToList();
        return parsed.FirstOrDefault(c => c.AddressSpaces.Exists(a => a.IsSmtpWildcard)) ?? parsed[0];
    }

    private static ConnectorSettings Map(LdifEntry entry)
    {
        var settings = new ConnectorSettings
        {
            Version = ExchangeVersion.Exchange2003,
            Format = "ldif",
            Name = entry.First("cn") ?? entry.First("name"),
            Identity = entry.Dn,
        };

        foreach (var value in entry.Values("routingList"))
        {
            if (AddressSpaceEntry.TryParse(value, out var space))
            {
                settings.AddressSpaces.Add(space);
            }
            else
            {
                settings.UnparsedAddressSpaces.Add(value);
            }
        }

        settings.IsScoped = settings.AddressSpaces.Count > 0 && settings.AddressSpaces.TrueForAll(a => a.IsLocal);

        foreach (var value in entry.Values("msExchSmtpSmartHost"))
        {
            settings.SmartHosts.AddRange(value.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        settings.DnsRoutingEnabled = settings.SmartHosts.Count == 0;

        var flagText = entry.First("msExchSmtpOutboundSecurityFlag");
        if (flagText is null)
        {
            settings.SmartHostAuth = SmartHostAuth.None;
            settings.RequireTls = false;
        }
        else if (int.TryParse(flagText.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var flags))
        {
            settings.RequireTls = (flags & 4) != 0;
            settings.SmartHostAuth = (flags & 3) switch
            {
                0 => SmartHostAuth.None,
                1 => settings.RequireTls == true ? SmartHostAuth.BasicAuthRequireTLS : SmartHostAuth.BasicAuth,
                _ => SmartHostAuth.IntegratedWindows,
            };
        }
        else
        {
            settings.SmartHostAuthRaw = flagText;
        }

        settings.SourceServers.AddRange(entry.Values("msExchSourceBridgeheadServersDN").Select(ExchangeValues.ServerNameFromReference));
        return settings;
    }
}
