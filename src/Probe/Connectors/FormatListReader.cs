using System.Text.RegularExpressions;

namespace SmarthostLab.Probe.Connectors;

/// <summary>
/// Reads <c>Get-SendConnector NAME | Format-List</c> text: <c>Property : value</c> lines, values
/// wrapped onto indented continuation lines, multi-valued properties as <c>{a, b}</c>, records
/// separated by blank lines (the one with an <c>SMTP:*</c> address space is taken).
/// </summary>
public static partial class FormatListReader
{
    /// <summary>True when the text looks like Format-List output.</summary>
    public static bool LooksLikeFormatList(string text)
        => text.Split('\n').Count(l => PropertyLine().IsMatch(l.TrimEnd('\r'))) >= 3;

    /// <summary>Parses the text into connector settings.</summary>
    public static ConnectorSettings Read(string text, out int connectorsInFile)
    {
        var records = SplitRecords(text);
        connectorsInFile = records.Count;
        if (records.Count == 0)
        {
            throw new ProbeException("the text holds no 'Property : value' lines (expected Get-SendConnector | Format-List output)");
        }

        var parsed = records.Select(Map).ToList();
        return parsed.FirstOrDefault(c => c.AddressSpaces.Exists(a => a.IsSmtpWildcard)) ?? parsed[0];
    }

    private static List<Dictionary<string, string>> SplitRecords(string text)
    {
        var records = new List<Dictionary<string, string>>();
        Dictionary<string, string>? current = null;
        string? lastKey = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0)
            {
                current = null;
                lastKey = null;
                continue;
            }

            var match = PropertyLine().Match(line);
            if (match.Success)
            {
                if (current is null)
                {
                    current = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                    records.Add(current);
                }

                lastKey = match.Groups["key"].Value;
                current[lastKey] = match.Groups["value"].Value.Trim();
            }
            else if (current is not null && lastKey is not null && char.IsWhiteSpace(line[0]))
            {
                // Format-List wraps long values; the continuation carries on the same value.
                current[lastKey] += line.Trim();
            }
        }

        return records;
    }

    private static ConnectorSettings Map(Dictionary<string, string> record)
    {
        string? Get(string key) => record.TryGetValue(key, out var v) && v.Length > 0 ? v : null;

        var settings = new ConnectorSettings
        {
            Version = ExchangeVersion.Exchange2016,
            Format = "format-list",
            Name = Get("Name"),
            Identity = Get("Identity") ?? Get("DistinguishedName"),
            Enabled = ExchangeValues.ParseBool(Get("Enabled")),
            DnsRoutingEnabled = ExchangeValues.ParseBool(Get("DNSRoutingEnabled")),
            RequireTls = ExchangeValues.ParseBool(Get("RequireTLS")),
            TlsAuthLevel = ExchangeValues.ParseTlsAuthLevel(Get("TlsAuthLevel")),
            IsScoped = ExchangeValues.ParseBool(Get("IsScopedConnector")),
            Port = ExchangeValues.ParseInt(Get("Port")),
            Fqdn = Get("Fqdn"),
        };

        var auth = Get("SmartHostAuthMechanism");
        settings.SmartHostAuth = ExchangeValues.ParseAuthMechanism(auth);
        if (settings.SmartHostAuth is null && auth is not null)
        {
            settings.SmartHostAuthRaw = auth;
        }

        foreach (var item in List(Get("AddressSpaces")))
        {
            if (AddressSpaceEntry.TryParse(item, out var entry))
            {
                settings.AddressSpaces.Add(entry);
            }
            else
            {
                settings.UnparsedAddressSpaces.Add(item);
            }
        }

        settings.SmartHosts.AddRange(List(Get("SmartHosts")));
        if (settings.SmartHosts.Count == 0)
        {
            settings.SmartHosts.AddRange(List(Get("SmartHostsString")));
        }

        settings.SourceServers.AddRange(List(Get("SourceTransportServers")).Select(ExchangeValues.ServerNameFromReference));
        return settings;
    }

    private static IEnumerable<string> List(string? value)
    {
        if (value is null)
        {
            return [];
        }

        var inner = value.Trim();
        if (inner.StartsWith('{') && inner.EndsWith('}'))
        {
            inner = inner[1..^1];
        }

        // Format-List shows a truncated list as "{a, b...}".
        return inner.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(v => v.EndsWith("...", StringComparison.Ordinal) ? v[..^3] : v)
            .Where(v => v.Length > 0);
    }

    [GeneratedRegex(@"^(?<key>[A-Za-z][A-Za-z0-9]*)\s*:(?: (?<value>.*)|(?<value>))$")]
    private static partial Regex PropertyLine();
}
