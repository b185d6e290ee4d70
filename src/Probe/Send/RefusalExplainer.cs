using SmarthostLab.Contracts;

namespace SmarthostLab.Probe.Send;

/// <summary>Puts a relay refusal into words: "the relay refused 192.0.2.10: not a registered outbound server (554 5.7.1 …)".</summary>
public static class RefusalExplainer
{
    /// <summary>One-line explanation of <paramref name="refusal"/>.</summary>
    public static string Explain(RefusalResponse refusal)
    {
        var cause = Cause(refusal.Reason);
        var at = refusal.Stage is "connect" ? string.Empty : $" at {refusal.Stage.ToUpperInvariant()}";
        var reply = string.IsNullOrWhiteSpace(refusal.Reply) ? string.Empty : $" ({refusal.Reply.Trim()})";
        return $"the relay refused {refusal.ClientIp}{at}: {cause}{reply}";
    }

    /// <summary>What to do about <paramref name="refusal"/>.</summary>
    public static string Fix(RefusalResponse refusal) => refusal.Reason switch
    {
        "unregistered-ip" => $"register {refusal.ClientIp} as an outbound server of the account (POST /api/v1/accounts/{{name}}/outbound-servers), or send from a registered server",
        "sender-domain" or "sender-not-allowed" => "send from a domain registered with the account",
        "size" or "message-too-large" => "send a smaller message or raise the relay's limit",
        "dmarc-reject" or "dmarc" => "fix SPF (include the smarthost) or DKIM signing so DMARC passes",
        "rate-limit" or "rate" => "slow down or raise the account's limit",
        "auth-required" => "configure smart-host authentication (Basic over TLS)",
        _ => "see the relay's refusal reply and its transcript",
    };

    private static string Cause(string? reason) => reason switch
    {
        null or "" => "refused",
        "unregistered-ip" => "not a registered outbound server",
        "dmarc-reject" => "DMARC failed and the domain's policy is reject",
        "rate-limit" => "the account's rate limit was exceeded",
        "auth-required" => "authentication is required",
        _ => reason.Replace('-', ' '),
    };
}
