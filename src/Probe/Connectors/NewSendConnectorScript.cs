using System.Globalization;
using System.Text;

namespace SmarthostLab.Probe.Connectors;

/// <summary>
/// Builds the Exchange Management Shell command that creates the send connector the guides
/// describe (parameters as documented for New-SendConnector in Exchange 2013–2019).
/// </summary>
public static class NewSendConnectorScript
{
    /// <summary>Returns the one-line <c>New-SendConnector</c> command.</summary>
    public static string Build(string name, string smartHost, IReadOnlyList<string> sourceServers, int? port)
    {
        var text = new StringBuilder("New-SendConnector");
        text.Append(" -Name ").Append(Quote(name));
        text.Append(" -Usage Custom");
        text.Append(" -AddressSpaces \"SMTP:*;1\"");
        text.Append(" -IsScopedConnector $false");
        text.Append(" -DNSRoutingEnabled $false");
        text.Append(" -SmartHosts ").Append(Quote(smartHost));
        text.Append(" -SmartHostAuthMechanism None");
        text.Append(" -SourceTransportServers ").Append(string.Join(",", sourceServers.Select(Quote)));
        if (port is { } p && p != 25)
        {
            text.Append(" -Port ").Append(p.ToString(CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    // PowerShell double-quoted string: escape ` " and $ with a backtick.
    private static string Quote(string value)
    {
        var escaped = new StringBuilder(value.Length + 2).Append('"');
        foreach (var ch in value)
        {
            if (ch is '`' or '"' or '$')
            {
                escaped.Append('`');
            }

            escaped.Append(ch);
        }

        return escaped.Append('"').ToString();
    }
}
