using System.Globalization;
using System.Net;
using SmarthostLab.Contracts;
using SmarthostLab.Probe.Reporting;
using SmarthostLab.Verification;
using SmarthostLab.Verification.Dkim;
using SmarthostLab.Verification.Dmarc;
using SmarthostLab.Verification.Dns;
using SmarthostLab.Verification.Psl;
using SmarthostLab.Verification.Spf;

namespace SmarthostLab.Probe.Dns;

/// <summary>
/// The DNS prerequisites the smarthost guides ask for, checked with the relay's own verification
/// code: one SPF record that parses, stays within 10 lookups and authorizes the smarthost's egress
/// addresses; the DKIM key at the selector; a DMARC record, its policy in words; historic ADSP.
/// </summary>
public sealed class DnsChecker(IDnsResolver dns)
{
    /// <summary>Runs every check for <paramref name="options"/>.</summary>
    public async Task<IReadOnlyList<Finding>> CheckAsync(DnsCheckOptions options, CancellationToken cancellationToken)
    {
        var domain = options.Domain.Trim().TrimEnd('.').ToLowerInvariant();
        var findings = new List<Finding>();
        await CheckSpfAsync(domain, options.Egress, findings, cancellationToken).ConfigureAwait(false);
        await CheckDkimAsync(domain, options.Selector, findings, cancellationToken).ConfigureAwait(false);
        await CheckDmarcAsync(domain, findings, cancellationToken).ConfigureAwait(false);
        await CheckAdspAsync(domain, findings, cancellationToken).ConfigureAwait(false);
        return findings;
    }

    private async Task CheckSpfAsync(string domain, IReadOnlyList<IPAddress> egress, List<Finding> findings, CancellationToken cancellationToken)
    {
        var suggestion = egress.Count > 0 ? string.Join(" ", egress.Select(Mechanism)) : "ip4:<smarthost egress>";
        var inspection = await new SpfInspector(dns).InspectAsync(domain, null, cancellationToken).ConfigureAwait(false);
        var own = inspection.Records.Count > 0 ? inspection.Records[0] : null;
        if (own is null || own.Text is null || own.Record is null)
        {
            var error = own?.Error ?? "no SPF record";
            var finding = error switch
            {
                "more than one SPF record" => Finding.Fail("spf-record", $"{domain} publishes more than one SPF record: receivers answer permerror (RFC 7208 4.5)",
                    "merge them into one TXT record starting v=spf1"),
                "no SPF record" => Finding.Fail("spf-record", $"{domain} publishes no SPF record", $"publish one TXT record at {domain}: \"v=spf1 {suggestion} -all\" (plus your other senders)"),
                _ when own?.Text is not null => Finding.Fail("spf-record", $"the SPF record of {domain} does not parse: {error}", "fix the record's syntax (RFC 7208 12)",
                    new Dictionary<string, string> { ["record"] = own.Text }),
                _ => Finding.Warn("spf-record", $"could not read the SPF record of {domain}: {error}", "check that the domain's DNS servers answer"),
            };
            findings.Add(finding);
            return;
        }

        var details = new Dictionary<string, string> { ["record"] = own.Text, ["dnsLookups"] = inspection.DnsLookups.ToString(CultureInfo.InvariantCulture) };
        findings.Add(Finding.Pass("spf-record", $"one SPF record: {own.Text}", details));

        var treeErrors = inspection.Errors.Where(e => !e.Contains("DNS-querying terms", StringComparison.Ordinal)).ToList();
        if (treeErrors.Count > 0)
        {
            findings.Add(Finding.Fail("spf-tree", $"the SPF include/redirect tree has problems: {string.Join("; ", treeErrors)}", "fix or remove the broken include/redirect targets"));
        }

        var lookups = inspection.DnsLookups.ToString(CultureInfo.InvariantCulture);
        if (inspection.DnsLookups > SpfInspection.LookupLimit)
        {
            findings.Add(Finding.Fail("spf-lookups", $"the SPF record needs {lookups} DNS lookups, more than 10: receivers answer permerror (RFC 7208 4.6.4)",
                "flatten includes into ip4:/ip6: terms or drop unused ones until 10 or fewer remain", details));
        }
        else if (inspection.DnsLookups == SpfInspection.LookupLimit)
        {
            findings.Add(Finding.Warn("spf-lookups", "the SPF record needs exactly 10 DNS lookups, the limit: one more include breaks SPF",
                "flatten an include into ip4:/ip6: terms to leave headroom", details));
        }
        else
        {
            findings.Add(Finding.Pass("spf-lookups", $"{lookups} DNS lookup(s), within the limit of 10", details));
        }

        if (inspection.Warnings.Count > 0)
        {
            findings.Add(Finding.Warn("spf-warnings", string.Join("; ", inspection.Warnings), "see RFC 7208 5.5 and 7"));
        }

        if (egress.Count == 0)
        {
            findings.Add(Finding.Info("spf-egress", "no smarthost egress address to check: pass --egress IP or --relay URL"));
            return;
        }

        var evaluator = new SpfEvaluator(dns);
        foreach (var ip in egress)
        {
            var verdict = await evaluator.CheckHostAsync(ip, domain, "postmaster@" + domain, domain, cancellationToken).ConfigureAwait(false);
            var spfDetails = new Dictionary<string, string> { ["ip"] = ip.ToString(), ["result"] = verdict.Result.ToString().ToLowerInvariant(), ["reason"] = verdict.Reason ?? string.Empty };
            if (verdict.Result is SpfResult.PermError or SpfResult.TempError)
            {
                findings.Add(Finding.Fail("spf-egress", $"SPF {verdict.Result.ToString().ToLowerInvariant()} for the smarthost's egress {ip}: {verdict.Reason}",
                    "fix the SPF findings above first; receivers cannot evaluate the record", spfDetails));
                continue;
            }

            findings.Add(verdict.Result == SpfResult.Pass
                ? Finding.Pass("spf-egress", $"SPF authorizes the smarthost's egress {ip} ({verdict.Reason})", spfDetails)
                : Finding.Fail("spf-egress", $"SPF {verdict.Result.ToString().ToLowerInvariant()} for the smarthost's egress {ip}: the domain's SPF does not include the smarthost",
                    $"add {Mechanism(ip)} (or the provider's include:) to the SPF record of {domain}", spfDetails));
        }
    }

    private async Task CheckDkimAsync(string domain, string? selector, List<Finding> findings, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(selector))
        {
            findings.Add(Finding.Info("dkim", "no --selector given: the DKIM key record was not checked"));
            return;
        }

        var name = $"{selector.Trim()}._domainkey.{domain}";
        var answer = await dns.QueryAsync(name, DnsRecordType.TXT, cancellationToken).ConfigureAwait(false);
        if (answer.IsTemporaryFailure)
        {
            findings.Add(Finding.Warn("dkim", $"could not look up {name}: {answer.Status}", "check that the domain's DNS servers answer"));
            return;
        }

        if (answer.Records.Count == 0)
        {
            findings.Add(Finding.Fail("dkim", $"DKIM selector record missing: no TXT record at {name}",
                $"publish the signing key's public half as TXT at {name} (\"v=DKIM1; k=rsa; p=…\")"));
            return;
        }

        string? firstError = null;
        foreach (var record in answer.Records)
        {
            if (!DkimKeyRecord.TryParse(record.Text, out var key, out var error) || key is null)
            {
                firstError ??= error;
                continue;
            }

            var details = new Dictionary<string, string> { ["name"] = name, ["keyType"] = key.KeyType, ["bits"] = key.KeyBits.ToString(CultureInfo.InvariantCulture) };
            if (key.IsRevoked)
            {
                findings.Add(Finding.Fail("dkim", $"the DKIM key at {name} is revoked (empty p=)", "publish the current public key at the selector, or sign with another selector", details));
            }
            else if (key.KeyType == "rsa" && key.KeyBits < 1024)
            {
                findings.Add(Finding.Fail("dkim", $"the DKIM key at {name} has only {key.KeyBits} bits: verifiers ignore RSA keys under 1024 bits (RFC 8301)", "generate a 2048-bit key", details));
            }
            else if (key.IsTesting)
            {
                findings.Add(Finding.Warn("dkim", $"the DKIM key at {name} is valid ({key.KeyType}, {key.KeyBits} bits) but flagged t=y (testing): receivers may ignore failures", "remove t=y once signing works", details));
            }
            else if (key.KeyType == "rsa" && key.KeyBits < 2048)
            {
                findings.Add(Finding.Warn("dkim", $"the DKIM key at {name} is valid but {key.KeyBits}-bit", "move to a 2048-bit key", details));
            }
            else
            {
                findings.Add(Finding.Pass("dkim", $"DKIM key at {name} is valid ({key.KeyType}, {key.KeyBits} bits)", details));
            }

            return;
        }

        findings.Add(Finding.Fail("dkim", $"the DKIM record at {name} is invalid: {firstError}", $"republish the key record at {name} as \"v=DKIM1; k=rsa; p=<base64 public key>\""));
    }

    private async Task CheckDmarcAsync(string domain, List<Finding> findings, CancellationToken cancellationToken)
    {
        var lookup = await new DmarcEvaluator(dns, PublicSuffixList.Embedded).DiscoverAsync(domain, cancellationToken).ConfigureAwait(false);
        var publish = $"publish TXT at _dmarc.{domain}: \"v=DMARC1; p=none; rua=mailto:dmarc-reports@{domain}\", then move to quarantine/reject";
        switch (lookup.Status)
        {
            case DmarcLookupStatus.Found when lookup.Record is { } record:
                var details = new Dictionary<string, string> { ["record"] = record.Text, ["recordDomain"] = lookup.RecordDomain ?? domain, ["policy"] = record.Policy.ToString().ToLowerInvariant() };
                var explanation = DmarcExplainer.Explain(record, domain, lookup.RecordDomain ?? domain);
                findings.Add(Finding.Pass("dmarc", $"DMARC record found: {explanation}", details));
                if (lookup.Errors.Count > 0)
                {
                    findings.Add(Finding.Warn("dmarc-syntax", $"the DMARC record has problems receivers skip: {string.Join("; ", lookup.Errors)}", "fix the listed tags", details));
                }

                break;
            case DmarcLookupStatus.TempError:
                findings.Add(Finding.Warn("dmarc", $"could not look up _dmarc.{domain}: {string.Join("; ", lookup.Errors)}", "check that the domain's DNS servers answer"));
                break;
            case DmarcLookupStatus.PermError:
                findings.Add(Finding.Fail("dmarc", $"the DMARC record is unusable: {string.Join("; ", lookup.Errors)}", publish,
                    lookup.Text is null ? null : new Dictionary<string, string> { ["record"] = lookup.Text }));
                break;
            default:
                var why = lookup.Errors.Count > 0 ? $" ({string.Join("; ", lookup.Errors)})" : string.Empty;
                findings.Add(Finding.Fail("dmarc", $"no DMARC record at _dmarc.{domain} or its organizational domain{why}", publish));
                break;
        }
    }

    private async Task CheckAdspAsync(string domain, List<Finding> findings, CancellationToken cancellationToken)
    {
        var name = $"_adsp._domainkey.{domain}";
        var answer = await dns.QueryAsync(name, DnsRecordType.TXT, cancellationToken).ConfigureAwait(false);
        var adsp = answer.Records.FirstOrDefault(r => r.Text.TrimStart().StartsWith("dkim=", StringComparison.OrdinalIgnoreCase));
        if (adsp is not null)
        {
            findings.Add(Finding.Info("adsp", $"historic ADSP record at {name}: \"{adsp.Text}\"; RFC 5617 was moved to Historic in 2013 and receivers ignore it (DMARC replaces it)",
                "remove it when convenient"));
        }
    }

    private static string Mechanism(IPAddress ip) => ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"ip6:{ip}" : $"ip4:{ip}";
}
