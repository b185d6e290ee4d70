using System.CommandLine;
using System.Net;
using SmarthostLab.Probe.Dns;
using SmarthostLab.Probe.Relay;
using SmarthostLab.Probe.Reporting;
using SmarthostLab.Verification;
using SmarthostLab.Verification.Dns;

namespace SmarthostLab.Probe.Commands;

/// <summary><c>probe dns</c>: the DNS prerequisites of a sending domain, checked with the relay's verification code.</summary>
public static class DnsCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(ProbeConsole console)
    {
        var domain = new Option<string>("--domain") { Description = "The sending domain (the RFC5322.From domain).", Required = true };
        var selector = new Option<string?>("--selector") { Description = "DKIM selector whose key record to check (selector._domainkey.domain)." };
        var egress = new Option<string[]>("--egress")
        {
            Description = "Smarthost egress IP(s) the SPF record must authorize (repeatable; default: the relay's egressAddresses).",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = true,
        };
        var relay = new Option<string?>("--relay") { Description = "Relay base URL (http://host:port); its /api/v1/info egressAddresses are checked." };
        var zone = new Option<string[]>("--zone")
        {
            Description = "RFC 1035 zone file to answer from instead of live DNS (repeatable; names outside the zones then fail as temperror).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var live = new Option<bool>("--live") { Description = "With --zone: ask live DNS for names outside the zone files." };
        var server = new Option<string[]>("--dns-server") { Description = "DNS server IP or IP:port for live lookups (repeatable; default: the system's).", Arity = ArgumentArity.ZeroOrMore };
        var relayToken = new Option<string?>("--relay-token") { Description = "Bearer token for the relay's API when it protects read routes (Api:ReadToken); default $SMARTHOSTLAB_RELAY_TOKEN." };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON." };

        var command = new Command("dns",
            "Check the sending domain's DNS prerequisites: one SPF record that parses, authorizes the smarthost's egress addresses and stays within 10 lookups; the DKIM key at --selector; DMARC with its policy explained; historic ADSP.\n" +
            "Exit codes: 0 pass (warnings allowed), 1 a check failed, 2 could not run.")
        {
            domain, selector, egress, relay, relayToken, zone, live, server, json,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var addresses = new List<IPAddress>();
            foreach (var text in parse.GetValue(egress) ?? [])
            {
                if (!IPAddress.TryParse(text, out var ip))
                {
                    throw new ProbeException($"--egress '{text}' is not an IP address");
                }

                addresses.Add(ip);
            }

            var report = new ProbeReport("dns", parse.GetRequiredValue(domain));
            if (parse.GetValue(relay) is { } relayUrl)
            {
                using var client = new RelayClient(relayUrl, RelayToken.From(parse.GetValue(relayToken)));
                var info = await client.GetInfoAsync(cancellationToken).ConfigureAwait(false);
                report.Facts["relay"] = client.BaseUri.ToString();
                if (addresses.Count == 0)
                {
                    addresses.AddRange(info.EgressAddresses.Select(a => IPAddress.TryParse(a, out var ip) ? ip : null).OfType<IPAddress>());
                }
            }

            var zones = (parse.GetValue(zone) ?? []).ToList();
            var options = new VerificationOptions { Zones = zones };
            options.Dns.Offline = zones.Count > 0 && !parse.GetValue(live);
            options.Dns.Servers = (parse.GetValue(server) ?? []).ToList();
            report.Facts["dns"] = zones.Count == 0 ? "live" : options.Dns.Offline ? $"zone files: {string.Join(", ", zones)}" : $"zone files then live: {string.Join(", ", zones)}";
            if (addresses.Count > 0)
            {
                report.Facts["egress"] = string.Join(", ", addresses);
            }

            IDnsResolver resolver;
            try
            {
                resolver = DnsResolverFactory.Create(options);
            }
            catch (Exception ex) when (ex is ZoneFileException or FileNotFoundException or ArgumentException or IOException)
            {
                throw new ProbeException(ex.Message, ex);
            }

            var checks = new DnsCheckOptions(parse.GetRequiredValue(domain), parse.GetValue(selector), addresses);
            foreach (var finding in await new DnsChecker(resolver).CheckAsync(checks, cancellationToken).ConfigureAwait(false))
            {
                report.Add(finding);
            }

            return ReportOutput.Emit(report, console, parse.GetValue(json));
        });
        return command;
    }
}
