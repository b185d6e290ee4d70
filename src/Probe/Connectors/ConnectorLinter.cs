using System.Globalization;
using SmarthostLab.Probe.Reporting;

namespace SmarthostLab.Probe.Connectors;

/// <summary>
/// Checks an exported connector against the setup the smarthost guides describe: address space
/// <c>SMTP:*</c> cost 1, mail routed through the smart host with DNS routing off, anonymous smart-host
/// authentication (or Basic over TLS where the relay requires or offers AUTH; never Basic against a relay that offers
/// none, nor without TLS), source servers present,
/// connector enabled, no relaying to the address space (2003), scoping noted.
/// </summary>
public static class ConnectorLinter
{
    /// <summary>Lints <paramref name="connector"/> and returns its findings in a fixed order.</summary>
    public static IReadOnlyList<Finding> Lint(ConnectorSettings connector, LintOptions options)
    {
        var findings = new List<Finding>();
        var set = SetCommand(connector);
        CheckEnabled(connector, set, findings);
        CheckAddressSpace(connector, set, findings);
        CheckScope(connector, set, findings);
        CheckRouting(connector, set, options, findings);
        CheckAuth(connector, set, options, findings);
        CheckSourceServers(connector, set, findings);
        CheckTls(connector, findings);
        CheckPort(connector, findings);
        CheckRelay(connector, findings);
        return findings;
    }

    private static string SetCommand(ConnectorSettings c)
        => c.Version == ExchangeVersion.Exchange2016
            ? $"Set-SendConnector \"{c.Name ?? "<name>"}\""
            : $"Exchange System Manager → Routing Groups → Connectors → {c.Name ?? "<connector>"} → Properties";

    private static void CheckEnabled(ConnectorSettings c, string set, List<Finding> findings)
    {
        if (c.Enabled == false)
        {
            findings.Add(Finding.Fail("enabled", "the connector is disabled: no mail leaves through it", $"{set} -Enabled $true"));
        }
        else if (c.Enabled == true)
        {
            findings.Add(Finding.Pass("enabled", "the connector is enabled"));
        }
    }

    private static void CheckAddressSpace(ConnectorSettings c, string set, List<Finding> findings)
    {
        var details = new Dictionary<string, string> { ["addressSpaces"] = string.Join(", ", c.AddressSpaces) };
        var wildcard = c.AddressSpaces.Find(a => a.IsSmtpWildcard);
        var fix2016 = $"{set} -AddressSpaces \"SMTP:*;1\"";
        var fix = c.Version == ExchangeVersion.Exchange2016 ? fix2016 : $"{set} → Address Space: add SMTP, E-mail domain *, Cost 1";
        if (wildcard is null)
        {
            var what = c.AddressSpaces.Count == 0 ? "no address space" : $"address spaces {string.Join(", ", c.AddressSpaces)} but not SMTP:*";
            findings.Add(Finding.Fail("address-space", $"the connector has {what}: mail to other domains does not use the smarthost", fix, details));
        }
        else if (wildcard.Cost != 1)
        {
            findings.Add(Finding.Fail("address-space",
                $"address space SMTP:* has cost {wildcard.Cost.ToString(CultureInfo.InvariantCulture)}; the guides use cost 1 so that no other connector wins", fix, details));
        }
        else
        {
            findings.Add(Finding.Pass("address-space", "address space SMTP:* with cost 1", details));
        }

        if (c.UnparsedAddressSpaces.Count > 0)
        {
            findings.Add(Finding.Warn("address-space-format", $"address space entries not understood: {string.Join(", ", c.UnparsedAddressSpaces)}",
                "write them as Type:Address;Cost, e.g. SMTP:*;1"));
        }
    }

    private static void CheckScope(ConnectorSettings c, string set, List<Finding> findings)
    {
        if (c.IsScoped == true)
        {
            var where = c.Version == ExchangeVersion.Exchange2016 ? "Active Directory site" : "routing group";
            var fix = c.Version == ExchangeVersion.Exchange2016
                ? $"{set} -IsScopedConnector $false (unless only this site should use the smarthost)"
                : $"{set} → Address Space: Connector scope = Entire organization";
            findings.Add(Finding.Warn("scope", $"the connector is scoped: only servers in the same {where} route through it", fix));
        }
        else if (c.IsScoped == false)
        {
            findings.Add(Finding.Info("scope", "the connector is not scoped: every transport server in the organization may use it"));
        }
    }

    private static void CheckRouting(ConnectorSettings c, string set, LintOptions options, List<Finding> findings)
    {
        var expected = options.ExpectedSmartHost;
        var smartHostArg = expected ?? "<smarthost>";
        var fixRoute = c.Version == ExchangeVersion.Exchange2016
            ? $"{set} -DNSRoutingEnabled $false -SmartHosts \"{smartHostArg}\""
            : $"{set} → General: Forward all mail through this connector to the following smart hosts: {smartHostArg}";
        var details = new Dictionary<string, string> { ["smartHosts"] = string.Join(", ", c.SmartHosts) };

        if (c.DnsRoutingEnabled == true)
        {
            findings.Add(Finding.Fail("routing", "DNS routing is on: the connector delivers straight to the recipients' MX hosts, not through the smarthost", fixRoute, details));
            return;
        }

        if (c.SmartHosts.Count == 0)
        {
            findings.Add(Finding.Fail("routing", "no smart host is set", fixRoute, details));
            return;
        }

        findings.Add(Finding.Pass("routing", $"mail is routed through smart host(s) {string.Join(", ", c.SmartHosts)}, DNS routing off", details));

        if (expected is null)
        {
            findings.Add(Finding.Info("smart-host", "smart host not compared: pass --smarthost H or --relay URL to check it names the smarthost"));
            return;
        }

        var wanted = ExchangeValues.NormalizeHost(expected);
        var hosts = c.SmartHosts.Select(ExchangeValues.NormalizeHost).ToList();
        if (!hosts.Contains(wanted))
        {
            findings.Add(Finding.Fail("smart-host", $"the smart hosts ({string.Join(", ", c.SmartHosts)}) do not include {expected}", fixRoute, details));
        }
        else if (hosts.Count > 1)
        {
            findings.Add(Finding.Warn("smart-host", $"{expected} is one of {hosts.Count.ToString(CultureInfo.InvariantCulture)} smart hosts; Exchange spreads mail over all of them",
                c.Version == ExchangeVersion.Exchange2016 ? $"{set} -SmartHosts \"{expected}\"" : $"{set} → General: list only {expected}", details));
        }
        else
        {
            findings.Add(Finding.Pass("smart-host", $"the smart host is {expected}", details));
        }
    }

    private static void CheckAuth(ConnectorSettings c, string set, LintOptions options, List<Finding> findings)
    {
        var is2016 = c.Version == ExchangeVersion.Exchange2016;
        var fixNone = is2016 ? $"{set} -SmartHostAuthMechanism None" : $"{set} → Advanced → Outbound Security: Anonymous access";
        var fixBasicTls = is2016
            ? $"{set} -SmartHostAuthMechanism BasicAuthRequireTLS -AuthenticationCredential (Get-Credential)"
            : $"{set} → Advanced → Outbound Security: Basic authentication and TLS encryption";

        switch (c.SmartHostAuth)
        {
            case null:
                findings.Add(c.SmartHostAuthRaw is null
                    ? Finding.Info("smart-host-auth", "smart-host authentication is not in the export")
                    : Finding.Warn("smart-host-auth", $"smart-host authentication value '{c.SmartHostAuthRaw}' is not one this probe knows", fixNone));
                break;
            case SmartHostAuth.None when options.RelayRequiresAuth:
                findings.Add(Finding.Fail("smart-host-auth", "smart-host authentication is None but the relay requires AUTH", fixBasicTls));
                break;
            case SmartHostAuth.None:
                findings.Add(Finding.Pass("smart-host-auth", "smart-host authentication None: the relay admits the server by its registered outbound IP"));
                break;
            case SmartHostAuth.BasicAuth or SmartHostAuth.BasicAuthRequireTLS when options.RelayOffersAuth == false:
                findings.Add(Finding.Fail("smart-host-auth",
                    "Basic authentication, but the relay offers no AUTH: Exchange cannot authenticate and keeps the mail queued (the relay admits by registered outbound IP)",
                    fixNone));
                break;
            case SmartHostAuth.BasicAuth when c.RequireTls != true && options.RelayAuthRequiresTls == true:
                findings.Add(Finding.Warn("smart-host-auth",
                    "Basic authentication without requiring TLS: this relay takes AUTH only after STARTTLS, but the connector would send the password in clear text to a smart host that offered AUTH without TLS",
                    fixBasicTls));
                break;
            case SmartHostAuth.BasicAuth when c.RequireTls != true:
                findings.Add(Finding.Fail("smart-host-auth", "Basic authentication without TLS: the password crosses the network in clear text",
                    options.RelayRequiresAuth || options.RelayOffersAuth == true ? fixBasicTls : $"{fixNone} (the relay admits by IP), or {fixBasicTls}"));
                break;
            case SmartHostAuth.BasicAuth or SmartHostAuth.BasicAuthRequireTLS when options.RelayRequiresAuth:
                findings.Add(Finding.Pass("smart-host-auth", "Basic authentication over TLS, as the relay requires AUTH"));
                break;
            case SmartHostAuth.BasicAuth or SmartHostAuth.BasicAuthRequireTLS when options.RelayOffersAuth == true:
                findings.Add(Finding.Pass("smart-host-auth", "Basic authentication over TLS: the relay offers AUTH (and also admits registered outbound IPs without it)"));
                break;
            case SmartHostAuth.BasicAuth or SmartHostAuth.BasicAuthRequireTLS:
                findings.Add(Finding.Warn("smart-host-auth", "Basic authentication over TLS: the relay admits by registered outbound IP, so the guides set None", fixNone));
                break;
            case SmartHostAuth.IntegratedWindows:
                findings.Add(Finding.Fail("smart-host-auth", "Integrated Windows authentication: a smarthost outside the Windows domain cannot accept it", fixNone));
                break;
            case SmartHostAuth.ExchangeServer:
                findings.Add(Finding.Fail("smart-host-auth", "Exchange Server authentication: only other Exchange servers accept it, not the smarthost", fixNone));
                break;
            default:
                findings.Add(Finding.Fail("smart-host-auth", "ExternalAuthoritative: the smarthost is treated as part of the organization's secured network", fixNone));
                break;
        }
    }

    private static void CheckSourceServers(ConnectorSettings c, string set, List<Finding> findings)
    {
        if (c.SourceServers.Count == 0)
        {
            var fix = c.Version == ExchangeVersion.Exchange2016
                ? $"{set} -SourceTransportServers \"<Mailbox server>\""
                : $"{set} → General → Local bridgeheads: Add the server's SMTP virtual server";
            findings.Add(Finding.Fail("source-servers", "no source transport server: no server will use this connector", fix));
        }
        else
        {
            findings.Add(Finding.Pass("source-servers", $"source server(s): {string.Join(", ", c.SourceServers)} (register their public IPs with the smarthost)",
                new Dictionary<string, string> { ["sourceServers"] = string.Join(", ", c.SourceServers) }));
        }
    }

    private static void CheckTls(ConnectorSettings c, List<Finding> findings)
    {
        if (c.RequireTls == true)
        {
            var level = c.TlsAuthLevel is null ? string.Empty : $" (TlsAuthLevel {c.TlsAuthLevel})";
            findings.Add(Finding.Info("tls", $"TLS is required to the smart host{level}; the relay offers STARTTLS"));
        }
        else if (c.RequireTls == false)
        {
            findings.Add(Finding.Info("tls", "TLS is not required; Exchange still uses STARTTLS when the smarthost offers it"));
        }
    }

    private static void CheckPort(ConnectorSettings c, List<Finding> findings)
    {
        if (c.Port is { } port && port != 25)
        {
            findings.Add(Finding.Info("port", $"the connector connects to port {port.ToString(CultureInfo.InvariantCulture)}; make sure the smarthost listens there"));
        }
    }

    private static void CheckRelay(ConnectorSettings c, List<Finding> findings)
    {
        if (c.Version != ExchangeVersion.Exchange2003)
        {
            return;
        }

        switch (c.RelayAllowed)
        {
            case true:
                findings.Add(Finding.Fail("relay-domains", "\"Allow messages to be relayed to these domains\" is set on SMTP:*: the server relays for anyone",
                    "Address Space tab: clear \"Allow messages to be relayed to these domains\""));
                break;
            case false:
                findings.Add(Finding.Pass("relay-domains", "relaying to the address space is not allowed"));
                break;
            default:
                findings.Add(Finding.Info("relay-domains", "the export does not show \"Allow messages to be relayed to these domains\"",
                    "check in Exchange System Manager (Address Space tab) that the box is cleared"));
                break;
        }
    }
}
