using System.Text.Json;

namespace SmarthostLab.Probe.Connectors;

/// <summary>
/// Reads <c>Get-SendConnector NAME | ConvertTo-Json</c>: one object, or an array when several
/// connectors were piped (the one with an <c>SMTP:*</c> address space is taken). Handles enums as
/// numbers or names, AddressSpaces as strings (<c>"SMTP:*;1"</c>) or objects
/// (<c>{"Type":"SMTP","Address":"*","Cost":1}</c>), SmartHosts as strings or SmartHost objects
/// (falling back to SmartHostsString), SourceTransportServers as names or ADObjectId objects.
/// </summary>
public static class SendConnectorJsonReader
{
    /// <summary>Parses the JSON text; throws <see cref="ProbeException"/> when it is not a send connector export.</summary>
    public static ConnectorSettings Read(string json, out int connectorsInFile)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new ProbeException($"the file is not valid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            var candidates = document.RootElement.ValueKind == JsonValueKind.Array
                ? document.RootElement.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).ToList()
                : document.RootElement.ValueKind == JsonValueKind.Object ? [document.RootElement] : [];
            connectorsInFile = candidates.Count;
            if (candidates.Count == 0)
            {
                throw new ProbeException("the JSON holds no connector object (expected the output of Get-SendConnector | ConvertTo-Json)");
            }

            var parsed = candidates.Select(Map).ToList();
            return parsed.FirstOrDefault(c => c.AddressSpaces.Exists(a => a.IsSmtpWildcard)) ?? parsed[0];
        }
    }

    private static ConnectorSettings Map(JsonElement root)
    {
        if (!Has(root, "AddressSpaces") && !Has(root, "SmartHosts") && !Has(root, "DNSRoutingEnabled"))
        {
            throw new ProbeException("the JSON object has none of AddressSpaces, SmartHosts, DNSRoutingEnabled: not a Get-SendConnector export");
        }

        var settings = new ConnectorSettings
        {
            Version = ExchangeVersion.Exchange2016,
            Format = "json",
            Name = Scalar(root, "Name"),
            Identity = Scalar(root, "Identity") ?? Scalar(root, "DistinguishedName"),
            Enabled = ExchangeValues.ParseBool(Scalar(root, "Enabled")),
            DnsRoutingEnabled = ExchangeValues.ParseBool(Scalar(root, "DNSRoutingEnabled")),
            RequireTls = ExchangeValues.ParseBool(Scalar(root, "RequireTLS")),
            TlsAuthLevel = ExchangeValues.ParseTlsAuthLevel(Scalar(root, "TlsAuthLevel")),
            IsScoped = ExchangeValues.ParseBool(Scalar(root, "IsScopedConnector")),
            Port = ExchangeValues.ParseInt(Scalar(root, "Port")),
            Fqdn = Scalar(root, "Fqdn"),
        };

        var auth = Scalar(root, "SmartHostAuthMechanism");
        settings.SmartHostAuth = ExchangeValues.ParseAuthMechanism(auth);
        if (settings.SmartHostAuth is null && auth is not null)
        {
            settings.SmartHostAuthRaw = auth;
        }

        foreach (var item in Items(root, "AddressSpaces"))
        {
            AddAddressSpace(settings, item);
        }

        foreach (var item in Items(root, "SmartHosts"))
        {
            var host = SmartHostText(item);
            if (!string.IsNullOrWhiteSpace(host))
            {
                settings.SmartHosts.Add(host);
            }
        }

        if (settings.SmartHosts.Count == 0 && Scalar(root, "SmartHostsString") is { Length: > 0 } smartHostsString)
        {
            settings.SmartHosts.AddRange(smartHostsString.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        foreach (var item in Items(root, "SourceTransportServers"))
        {
            var name = item.ValueKind == JsonValueKind.Object
                ? Scalar(item, "Name") ?? Scalar(item, "DistinguishedName")
                : Text(item);
            if (!string.IsNullOrWhiteSpace(name))
            {
                settings.SourceServers.Add(ExchangeValues.ServerNameFromReference(name));
            }
        }

        return settings;
    }

    private static void AddAddressSpace(ConnectorSettings settings, JsonElement item)
    {
        if (item.ValueKind == JsonValueKind.Object)
        {
            var address = Scalar(item, "Address") ?? Scalar(item, "Domain");
            if (address is null)
            {
                settings.UnparsedAddressSpaces.Add(item.GetRawText());
                return;
            }

            var cost = ExchangeValues.ParseInt(Scalar(item, "Cost")) ?? 1;
            var isLocal = ExchangeValues.ParseBool(Scalar(item, "IsLocal")) ?? false;
            settings.AddressSpaces.Add(new AddressSpaceEntry(Scalar(item, "Type") ?? "SMTP", address, cost, isLocal));
            return;
        }

        var text = Text(item);
        if (text is not null && AddressSpaceEntry.TryParse(text, out var entry))
        {
            settings.AddressSpaces.Add(entry);
        }
        else if (text is not null)
        {
            settings.UnparsedAddressSpaces.Add(text);
        }
    }

    // SmartHost objects: {"Domain":{"HostnameString":"x"}|"x","Address":…,"IsIPAddress":bool}.
    private static string? SmartHostText(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            return Text(item);
        }

        var isIp = ExchangeValues.ParseBool(Scalar(item, "IsIPAddress")) ?? false;
        if (isIp && TryGet(item, "Address", out var address))
        {
            var ip = address.ValueKind == JsonValueKind.Object ? Scalar(address, "IPAddressToString") ?? Scalar(address, "Address") : Text(address);
            if (ip is not null)
            {
                return $"[{ip}]";
            }
        }

        if (TryGet(item, "Domain", out var domain))
        {
            return domain.ValueKind == JsonValueKind.Object
                ? Scalar(domain, "HostnameString") ?? Scalar(domain, "Domain")
                : Text(domain);
        }

        return Scalar(item, "HostnameString");
    }

    private static IEnumerable<JsonElement> Items(JsonElement root, string name)
    {
        if (!TryGet(root, name, out var value))
        {
            return [];
        }

        return value.ValueKind switch
        {
            JsonValueKind.Array => value.EnumerateArray().ToList(),
            JsonValueKind.Object when TryGet(value, "value", out var inner) && inner.ValueKind == JsonValueKind.Array => inner.EnumerateArray().ToList(),
            JsonValueKind.Null or JsonValueKind.Undefined => [],
            _ => [value],
        };
    }

    private static bool Has(JsonElement root, string name) => TryGet(root, name, out _);

    private static bool TryGet(JsonElement root, string name, out JsonElement value)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (property.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    private static string? Scalar(JsonElement root, string name)
        => TryGet(root, name, out var value) ? Text(value) : null;

    private static string? Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Object => TryGet(value, "Name", out var n) ? Text(n) : TryGet(value, "value", out var v) ? Text(v) : null,
        _ => null,
    };
}
