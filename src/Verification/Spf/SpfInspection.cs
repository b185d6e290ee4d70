namespace SmarthostLab.Verification.Spf;

/// <summary>What <see cref="SpfInspector"/> found for a domain: the probe's "dns" check of RFC 7208 4.5 and 4.6.4.</summary>
/// <param name="Domain">The inspected domain.</param>
/// <param name="Records">Records of the tree, the domain's own first (depth-first through include and redirect).</param>
/// <param name="Errors">Problems anywhere in the tree (each names its domain); empty when all is well.</param>
/// <param name="Warnings">Things that are legal but worth a look (ptr, macros that cannot be followed statically).</param>
/// <param name="DnsLookups">Terms across the tree that count against the 10-lookup limit (include a mx ptr exists redirect).</param>
/// <param name="Verdict">check_host() for the given IP, when one was given.</param>
public sealed record SpfInspection(
    string Domain,
    IReadOnlyList<SpfInspectedRecord> Records,
    IReadOnlyList<string> Errors,
    IReadOnlyList<string> Warnings,
    int DnsLookups,
    SpfVerdict? Verdict)
{
    /// <summary>The RFC's limit on DNS-querying terms per check.</summary>
    public const int LookupLimit = 10;

    /// <summary>The domain has exactly one SPF record.</summary>
    public bool HasRecord => Records.Count > 0 && Records[0].Text is not null && Records[0].Error is null;

    /// <summary>One record, every record of the tree parses, and the lookups stay within the limit.</summary>
    public bool IsValid => HasRecord && Errors.Count == 0 && DnsLookups <= LookupLimit;
}
