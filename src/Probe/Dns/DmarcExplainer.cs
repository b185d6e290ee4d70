using System.Globalization;
using SmarthostLab.Verification.Dmarc;

namespace SmarthostLab.Probe.Dns;

/// <summary>Explains a DMARC record (RFC 7489 6.3) in words.</summary>
public static class DmarcExplainer
{
    /// <summary>One or two sentences: the policy, its scope, alignment and reporting.</summary>
    public static string Explain(DmarcRecord record, string domain, string recordDomain)
    {
        var parts = new List<string>
        {
            $"p={Word(record.Policy)}: receivers should {Action(record.Policy)} mail from {domain} that fails DMARC (neither SPF nor DKIM passes aligned)",
        };
        if (record.PolicyImplied)
        {
            parts[0] += " (no valid p=, so none is assumed)";
        }

        if (record.SubdomainPolicy is { } sp && sp != record.Policy)
        {
            parts.Add($"subdomains: {Action(sp)} (sp={Word(sp)})");
        }

        if (record.Percent < 100)
        {
            parts.Add($"applied to {record.Percent.ToString(CultureInfo.InvariantCulture)}% of failing mail, the rest gets the next milder policy");
        }

        parts.Add($"alignment: SPF {Word(record.SpfAlignment)}, DKIM {Word(record.DkimAlignment)}");
        parts.Add(record.AggregateReportUris.Count > 0
            ? $"aggregate reports to {string.Join(", ", record.AggregateReportUris)}"
            : "no aggregate reports requested (add rua=mailto:… to see who sends as the domain)");
        if (!recordDomain.Equals(domain, StringComparison.OrdinalIgnoreCase))
        {
            parts.Add($"inherited from the organizational domain {recordDomain}");
        }

        return string.Join("; ", parts);
    }

    private static string Action(DmarcPolicy policy) => policy switch
    {
        DmarcPolicy.Reject => "reject",
        DmarcPolicy.Quarantine => "treat as suspicious (spam folder)",
        _ => "take no action on (monitoring only)",
    };

    private static string Word<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}
