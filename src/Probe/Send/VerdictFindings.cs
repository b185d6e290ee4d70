using System.Net;
using SmarthostLab.Contracts;
using SmarthostLab.Probe.Reporting;
using SmarthostLab.Verification;

namespace SmarthostLab.Probe.Send;

/// <summary>
/// Turns what the relay stored about the probe message into report lines: client IP and account,
/// TLS between MTA and relay, SPF (egress and client), each DKIM signature, DMARC, the relay's action.
/// </summary>
public static class VerdictFindings
{
    /// <summary>Findings for <paramref name="message"/>; <paramref name="accounts"/> may be null when the list could not be read.</summary>
    public static IEnumerable<Finding> For(MessageResponse message, AccountListResponse? accounts, InfoResponse info)
    {
        yield return ClientIp(message, accounts);
        yield return Tls(message);
        if (message.Verdict is not { } verdict)
        {
            yield return Finding.Warn("verdict", "the relay stored no SPF/DKIM/DMARC verdict for the message", "check the relay's Verification settings");
            yield break;
        }

        var egress = info.EgressAddresses.Count > 0 ? string.Join(" ", info.EgressAddresses.Select(SpfMechanism)) : "ip4:<egress address>";
        yield return SpfEgress(verdict.Spf, egress);
        yield return SpfClient(verdict.SpfClient);
        foreach (var finding in Dkim(verdict.Dkim))
        {
            yield return finding;
        }

        yield return Dmarc(verdict.Dmarc, egress);
        yield return Action(verdict.Action, message.Quarantined);
    }

    private static Finding ClientIp(MessageResponse message, AccountListResponse? accounts)
    {
        var ip = message.ClientIp;
        var details = new Dictionary<string, string> { ["clientIp"] = ip };
        if (message.Helo is not null)
        {
            details["helo"] = message.Helo;
        }

        // The relay records the account it admitted the message for; the account list is the fallback.
        var name = message.Account ?? AdmittingAccount(ip, accounts);
        if (name is null)
        {
            return Finding.Warn("client-ip", $"the relay saw {ip}, which no account lists as an outbound server", "register the sending server's public IP with the smarthost account", details);
        }

        details["account"] = name;
        return Finding.Pass("client-ip", $"the relay saw {ip}, a registered outbound server of account '{name}'", details);
    }

    /// <summary>The account whose outbound servers hold <paramref name="ip"/> by the longest prefix, as the relay admits.</summary>
    private static string? AdmittingAccount(string ip, AccountListResponse? accounts) =>
        accounts is not null && IPAddress.TryParse(ip, out var address)
            ? new PrefixTable<AccountResponse>(OutboundServers(accounts)).Find(address)?.Name
            : null;

    private static IEnumerable<(IpPrefix Prefix, AccountResponse Account)> OutboundServers(AccountListResponse accounts)
    {
        foreach (var account in accounts.Accounts)
        {
            foreach (var server in account.OutboundServers)
            {
                if (IpPrefix.TryParse(server, out var prefix))
                {
                    yield return (prefix, account);
                }
            }
        }
    }

    private static Finding Tls(MessageResponse message)
    {
        if (message.Tls is null)
        {
            return Finding.Warn("tls", "the MTA sent to the relay without TLS", "make the MTA use STARTTLS to the smarthost (Exchange: it does when offered; set -RequireTLS $true to insist)");
        }

        return Finding.Pass("tls", $"TLS between the MTA and the relay: {message.Tls.Protocol} {message.Tls.Cipher}".TrimEnd(),
            new Dictionary<string, string> { ["protocol"] = message.Tls.Protocol, ["cipher"] = message.Tls.Cipher ?? string.Empty });
    }

    private static Finding SpfEgress(SpfVerdict spf, string egress)
    {
        var details = SpfDetails(spf);
        var fix = $"the domain's SPF does not include the smarthost: add {egress} (or the provider's include:) to the SPF record of {spf.Domain}";
        return spf.Result switch
        {
            SpfResult.Pass => Finding.Pass("spf-egress", $"SPF pass for {spf.Domain} from the smarthost's egress {spf.Ip}", details),
            SpfResult.Fail or SpfResult.SoftFail => Finding.Fail("spf-egress", $"SPF {Word(spf.Result)} for {spf.Domain} from the smarthost's egress {spf.Ip}: receivers will not see SPF pass", fix, details),
            SpfResult.None => Finding.Warn("spf-egress", $"{spf.Domain} publishes no SPF record", $"publish \"v=spf1 {egress} -all\" (plus your other senders) at {spf.Domain}", details),
            SpfResult.Neutral => Finding.Warn("spf-egress", $"SPF neutral for {spf.Domain} from {spf.Ip}: the record says nothing about the smarthost", fix, details),
            SpfResult.TempError => Finding.Warn("spf-egress", $"SPF temperror for {spf.Domain}: {spf.Reason ?? "DNS lookup failed"}", "check the domain's DNS servers answer", details),
            _ => Finding.Fail("spf-egress", $"SPF permerror for {spf.Domain}: {spf.Reason ?? "the record is broken"}", "fix the SPF record's syntax or cut its DNS lookups below 10 (probe dns --domain)", details),
        };
    }

    private static Finding SpfClient(SpfVerdict spf)
    {
        var details = SpfDetails(spf);
        return spf.Result == SpfResult.Pass
            ? Finding.Pass("spf-client", $"SPF pass for {spf.Domain} from the sending server {spf.Ip}", details)
            : Finding.Info("spf-client", $"SPF {Word(spf.Result)} for {spf.Domain} from the sending server {spf.Ip}: fine while all its mail goes through the smarthost",
                $"if {spf.Ip} also sends directly, add it to the SPF record", details);
    }

    private static IEnumerable<Finding> Dkim(IReadOnlyList<DkimVerdict> signatures)
    {
        if (signatures.Count == 0)
        {
            yield return Finding.Warn("dkim", "the message is not DKIM-signed", "sign outbound mail (Exchange: a DKIM signing agent or the smarthost's signing) and publish the selector's key");
            yield break;
        }

        foreach (var sig in signatures)
        {
            var where = $"d={sig.Domain ?? "?"} s={sig.Selector ?? "?"}";
            var details = new Dictionary<string, string> { ["domain"] = sig.Domain ?? string.Empty, ["selector"] = sig.Selector ?? string.Empty, ["algorithm"] = sig.Algorithm ?? string.Empty, ["result"] = Word(sig.Result) };
            var record = $"{sig.Selector ?? "<selector>"}._domainkey.{sig.Domain ?? "<domain>"}";
            yield return sig.Result switch
            {
                DkimResult.Pass => Finding.Pass("dkim", $"DKIM pass ({where}, {sig.Algorithm})", details),
                DkimResult.PermError when MentionsKey(sig.Reason) => Finding.Fail("dkim", $"DKIM permerror ({where}): {sig.Reason}", $"DKIM selector record missing or invalid: publish the public key as TXT at {record}", details),
                DkimResult.PermError => Finding.Fail("dkim", $"DKIM permerror ({where}): {sig.Reason ?? "malformed signature"}", "fix the signer's configuration", details),
                DkimResult.Fail => Finding.Fail("dkim", $"DKIM fail ({where}): {sig.Reason ?? "signature did not verify"}", $"the message changed after signing (a footer or disclaimer added after the signer?) or the key at {record} is not the signing key", details),
                DkimResult.TempError => Finding.Warn("dkim", $"DKIM temperror ({where}): {sig.Reason ?? "key lookup failed"}", $"check that {record} resolves", details),
                _ => Finding.Warn("dkim", $"DKIM {Word(sig.Result)} ({where}): {sig.Reason}", "sign with rsa-sha256 (2048-bit) or ed25519-sha256", details),
            };
        }
    }

    private static Finding Dmarc(DmarcVerdict dmarc, string egress)
    {
        var domain = dmarc.FromDomain ?? "the From domain";
        var details = new Dictionary<string, string>
        {
            ["fromDomain"] = dmarc.FromDomain ?? string.Empty,
            ["policy"] = dmarc.Policy ?? string.Empty,
            ["spfAligned"] = dmarc.SpfAligned ? "true" : "false",
            ["dkimAligned"] = dmarc.DkimAligned ? "true" : "false",
            ["disposition"] = dmarc.Disposition,
        };
        var aligned = (dmarc.SpfAligned, dmarc.DkimAligned) switch
        {
            (true, true) => "SPF and DKIM aligned",
            (true, false) => "SPF aligned, DKIM not",
            (false, true) => "DKIM aligned, SPF not",
            _ => "neither SPF nor DKIM aligned",
        };
        return dmarc.Result switch
        {
            DmarcResult.Pass => Finding.Pass("dmarc", $"DMARC pass for {domain} ({aligned}; policy {dmarc.Policy ?? "none"})", details),
            DmarcResult.Fail => Finding.Fail("dmarc", $"DMARC fail for {domain} ({aligned}); receivers would {Disposition(dmarc.Disposition)}",
                $"make one identifier align: add {egress} to {domain}'s SPF (with a MAIL FROM in {domain}) or DKIM-sign with d={domain}", details),
            DmarcResult.None => Finding.Warn("dmarc", $"{domain} publishes no DMARC record ({aligned})", $"publish \"v=DMARC1; p=none; rua=mailto:dmarc@{dmarc.FromDomain ?? "example.com"}\" at _dmarc.{dmarc.FromDomain ?? "<domain>"}, then tighten", details),
            DmarcResult.TempError => Finding.Warn("dmarc", $"DMARC temperror for {domain}: {dmarc.Reason ?? "DNS lookup failed"}", "check the domain's DNS servers answer", details),
            _ => Finding.Fail("dmarc", $"DMARC permerror for {domain}: {dmarc.Reason ?? "the record or From header is invalid"}", "fix the DMARC record (probe dns --domain)", details),
        };
    }

    private static Finding Action(VerdictAction action, bool quarantined) => action switch
    {
        VerdictAction.Accept when !quarantined => Finding.Pass("action", "the relay accepted the message"),
        VerdictAction.Tag => Finding.Warn("action", "the relay accepted the message and tagged it as failing DMARC", "fix the DMARC findings above"),
        VerdictAction.Reject => Finding.Fail("action", "the relay rejected the message", "fix the DMARC findings above"),
        _ => Finding.Fail("action", "the relay quarantined the message", "fix the DMARC findings above"),
    };

    private static Dictionary<string, string> SpfDetails(SpfVerdict spf) => new()
    {
        ["result"] = Word(spf.Result),
        ["domain"] = spf.Domain,
        ["ip"] = spf.Ip,
        ["identity"] = spf.Identity,
        ["reason"] = spf.Reason ?? string.Empty,
    };

    private static bool MentionsKey(string? reason)
        => reason is not null && (reason.Contains("key", StringComparison.OrdinalIgnoreCase) || reason.Contains("record", StringComparison.OrdinalIgnoreCase) || reason.Contains("NXDOMAIN", StringComparison.OrdinalIgnoreCase));

    private static string Disposition(string disposition) => disposition switch
    {
        "reject" => "reject it",
        "quarantine" => "put it in the spam folder",
        _ => "deliver it (policy none) but report it",
    };

    private static string SpfMechanism(string ip) => ip.Contains(':', StringComparison.Ordinal) ? $"ip6:{ip}" : $"ip4:{ip}";

    /// <summary>The lower-case RFC word of an enum result.</summary>
    internal static string Word<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}
