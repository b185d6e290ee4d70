using MimeKit;
using SmarthostLab.Verification.Dns;
using SmarthostLab.Verification.Psl;

namespace SmarthostLab.Verification.Dmarc;

/// <summary>
/// RFC 7489 DMARC: policy discovery at <c>_dmarc.&lt;From domain&gt;</c> then at the organizational
/// domain (6.6.3), identifier alignment (3.1: SPF pass whose domain aligns, DKIM pass whose d= aligns,
/// relaxed or strict), result, applied policy (p=, or sp= for a subdomain) and disposition after pct=
/// (6.6.4: a message outside the sample gets the next less strict policy). Safe for concurrent use.
/// </summary>
public sealed class DmarcEvaluator
{
    private readonly IDnsResolver _dns;
    private readonly PublicSuffixList _psl;
    private readonly Func<int> _sample;
    private readonly ParseCache<ParsedRecord> _records = new(10_000); // DmarcRecord is immutable once parsed

    /// <summary>Creates an evaluator.</summary>
    /// <param name="dns">Where records come from.</param>
    /// <param name="psl">For organizational domains.</param>
    /// <param name="sample">
    /// Returns a number in 0–99 for pct= sampling: a failing message is subject to the policy when the
    /// number is below pct. Default random; pass a constant for deterministic tests.
    /// </param>
    public DmarcEvaluator(IDnsResolver dns, PublicSuffixList psl, Func<int>? sample = null)
    {
        ArgumentNullException.ThrowIfNull(dns);
        ArgumentNullException.ThrowIfNull(psl);
        _dns = dns;
        _psl = psl;
        _sample = sample ?? (() => Random.Shared.Next(100));
    }

    /// <summary>The organizational domain (RFC 7489 3.2) by this evaluator's Public Suffix List.</summary>
    public string OrganizationalDomain(string domain) => _psl.GetOrganizationalDomain(domain);

    /// <summary>Policy discovery (RFC 7489 6.6.3) for <paramref name="authorDomain"/>.</summary>
    public async Task<DmarcLookup> DiscoverAsync(string authorDomain, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(authorDomain);
        var domain = authorDomain.Trim().TrimEnd('.').ToLowerInvariant();
        var org = _psl.GetOrganizationalDomain(domain);
        var first = await QueryAsync(domain, org, cancellationToken).ConfigureAwait(false);
        if (first.Status != DmarcLookupStatus.None || org == domain || first.Errors.Contains(MultipleRecords))
        {
            return first;
        }

        return await QueryAsync(org, org, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Extracts the From domain, discovers its policy and evaluates (convenience for callers without a pipeline).</summary>
    public async Task<DmarcVerdict> EvaluateAsync(MimeMessage message, SpfVerdict? spf, IReadOnlyList<DkimVerdict> dkim, CancellationToken cancellationToken = default)
    {
        var author = AuthorDomain.From(message);
        var lookup = author.Domain is null ? null : await DiscoverAsync(author.Domain, cancellationToken).ConfigureAwait(false);
        return Evaluate(author, lookup, spf, dkim);
    }

    /// <summary>
    /// Evaluates DMARC from the From domain, its discovered policy and the SPF and DKIM results.
    /// </summary>
    /// <param name="author">From domain (or why there is none: permerror).</param>
    /// <param name="lookup">Discovery result for <paramref name="author"/>; null when there is no domain.</param>
    /// <param name="spf">The SPF result DMARC uses (the egress evaluation); its Domain is the MAIL FROM domain, or the HELO name for a null sender.</param>
    /// <param name="dkim">All DKIM results; only passes count.</param>
    public DmarcVerdict Evaluate(AuthorDomain author, DmarcLookup? lookup, SpfVerdict? spf, IReadOnlyList<DkimVerdict> dkim)
    {
        ArgumentNullException.ThrowIfNull(author);
        ArgumentNullException.ThrowIfNull(dkim);
        if (author.Domain is null || lookup is null)
        {
            return new DmarcVerdict(DmarcResult.PermError, null, null, null, false, false, "none", author.Error ?? "no From domain");
        }

        var from = author.Domain;
        var org = lookup.OrgDomain;
        var spfDomain = spf is { Result: SpfResult.Pass } ? spf.Domain : null;
        var record = lookup.Record;
        var spfMode = record?.SpfAlignment ?? DmarcAlignmentMode.Relaxed;
        var dkimMode = record?.DkimAlignment ?? DmarcAlignmentMode.Relaxed;
        var spfAligned = spfDomain is not null && Aligned(spfDomain, from, org, spfMode);
        var dkimAligned = dkim.Any(d => d.Result == DkimResult.Pass && d.Domain is not null && Aligned(d.Domain, from, org, dkimMode));
        var reason = lookup.Errors.Count > 0 ? string.Join("; ", lookup.Errors) : null;

        switch (lookup.Status)
        {
            case DmarcLookupStatus.None:
                return new DmarcVerdict(DmarcResult.None, null, from, org, spfAligned, dkimAligned, "none", reason ?? "no DMARC record");
            case DmarcLookupStatus.TempError:
                return new DmarcVerdict(DmarcResult.TempError, null, from, org, spfAligned, dkimAligned, "none", reason, lookup.Text);
            case DmarcLookupStatus.PermError:
                return new DmarcVerdict(DmarcResult.PermError, null, from, org, spfAligned, dkimAligned, "none", reason, lookup.Text);
        }

        var isSubdomain = lookup.RecordDomain != from;
        var policy = record!.PolicyFor(isSubdomain);
        var policyWord = DmarcRecord.Word(policy);
        if (spfAligned || dkimAligned)
        {
            return new DmarcVerdict(DmarcResult.Pass, policyWord, from, org, spfAligned, dkimAligned, "none", reason, lookup.Text);
        }

        var disposition = policy;
        var failReason = "neither SPF nor DKIM aligned with a pass";
        if (policy != DmarcPolicy.None && record.Percent < 100 && _sample() >= record.Percent)
        {
            // RFC 7489 6.6.4: outside the pct sample, apply the next less strict policy.
            disposition = policy == DmarcPolicy.Reject ? DmarcPolicy.Quarantine : DmarcPolicy.None;
            failReason += $"; outside pct={record.Percent} sample";
        }

        return new DmarcVerdict(DmarcResult.Fail, policyWord, from, org, false, false, DmarcRecord.Word(disposition), reason is null ? failReason : failReason + "; " + reason, lookup.Text);
    }

    private const string MultipleRecords = "several DMARC records";

    private bool Aligned(string identifier, string from, string fromOrg, DmarcAlignmentMode mode)
    {
        var id = identifier.Trim().TrimEnd('.').ToLowerInvariant();
        return mode == DmarcAlignmentMode.Strict
            ? id == from
            : id == from || _psl.GetOrganizationalDomain(id) == fromOrg;
    }

    private async Task<DmarcLookup> QueryAsync(string domain, string org, CancellationToken cancellationToken)
    {
        var name = "_dmarc." + domain;
        DnsAnswer answer;
        try
        {
            answer = await _dns.QueryAsync(name, DnsRecordType.TXT, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Resolvers should answer SERVFAIL instead of throwing; treat a throw the same way.
            return new DmarcLookup(DmarcLookupStatus.TempError, null, domain, org, null, [$"lookup of {name} failed ({e.GetType().Name})"]);
        }

        if (answer.IsTemporaryFailure)
        {
            return new DmarcLookup(DmarcLookupStatus.TempError, null, domain, org, null, [$"lookup of {name} failed ({(answer.Status == DnsStatus.Timeout ? "timeout" : "SERVFAIL")})"]);
        }

        var texts = answer.Records.Select(r => r.Text).Where(DmarcRecord.IsDmarcRecord).ToList();
        if (texts.Count == 0)
        {
            return new DmarcLookup(DmarcLookupStatus.None, null, null, org, null, []);
        }

        if (texts.Count > 1)
        {
            // RFC 7489 6.6.3 step 5: several records → no DMARC processing.
            return new DmarcLookup(DmarcLookupStatus.None, null, domain, org, null, [MultipleRecords]);
        }

        var parsed = _records.GetOrAdd(texts[0], static text =>
            new ParsedRecord(DmarcRecord.TryParse(text, out var record, out var errors) ? record : null, errors));
        return parsed.Record is { } found
            ? new DmarcLookup(DmarcLookupStatus.Found, found, domain, org, texts[0], parsed.Errors)
            : new DmarcLookup(DmarcLookupStatus.PermError, null, domain, org, texts[0], parsed.Errors);
    }

    /// <summary>A record text's parse, kept: the same few policies are looked up for every message.</summary>
    private sealed record ParsedRecord(DmarcRecord? Record, IReadOnlyList<string> Errors);
}
