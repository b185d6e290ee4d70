using System.Net;
using SmarthostLab.Verification.Dns;

namespace SmarthostLab.Verification.Spf;

/// <summary>
/// Static checks of a domain's SPF setup for the probe: exactly one record (RFC 7208 4.5), every
/// record of the include/redirect tree parses (12), and the DNS-querying terms of the whole tree
/// stay within 10 (4.6.4); optionally whether a given IP passes.
/// </summary>
public sealed class SpfInspector(IDnsResolver dns)
{
    private const int MaxDepth = 20;

    /// <summary>Walks <paramref name="domain"/>'s record tree; with <paramref name="ip"/>, also evaluates check_host() for it.</summary>
    public async Task<SpfInspection> InspectAsync(string domain, IPAddress? ip = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var name = SpfDomainName.TrimDot(domain.Trim()).ToLowerInvariant();
        var records = new List<SpfInspectedRecord>();
        var errors = new List<string>();
        var warnings = new List<string>();
        var visited = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var lookups = await WalkAsync(name, 0, records, errors, warnings, visited, cancellationToken).ConfigureAwait(false);
        if (lookups > SpfInspection.LookupLimit)
        {
            errors.Add($"{lookups} DNS-querying terms in the record tree of {name}, more than {SpfInspection.LookupLimit} (RFC 7208 4.6.4)");
        }

        SpfVerdict? verdict = null;
        if (ip is not null)
        {
            verdict = await new SpfEvaluator(dns).CheckHostAsync(ip, name, "postmaster@" + name, name, cancellationToken).ConfigureAwait(false);
        }

        return new SpfInspection(name, records, errors, warnings, lookups, verdict);
    }

    private async Task<int> WalkAsync(
        string domain,
        int depth,
        List<SpfInspectedRecord> records,
        List<string> errors,
        List<string> warnings,
        HashSet<string> visited,
        CancellationToken cancellationToken)
    {
        if (depth > MaxDepth || !visited.Add(domain))
        {
            errors.Add($"{domain}: include/redirect loop");
            return 0;
        }

        try
        {
            return await WalkRecordAsync(domain, depth, records, errors, warnings, visited, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Only the current path counts as a loop; the same include in two branches is fine.
            visited.Remove(domain);
        }
    }

    private async Task<int> WalkRecordAsync(
        string domain,
        int depth,
        List<SpfInspectedRecord> records,
        List<string> errors,
        List<string> warnings,
        HashSet<string> visited,
        CancellationToken cancellationToken)
    {
        if (!SpfDomainName.IsValid(domain))
        {
            records.Add(new SpfInspectedRecord(domain, null, null, depth, "not a valid domain name"));
            errors.Add($"{domain}: not a valid domain name");
            return 0;
        }

        var answer = await dns.QueryAsync(domain, DnsRecordType.TXT, cancellationToken).ConfigureAwait(false);
        if (answer.IsTemporaryFailure)
        {
            var failure = SpfEvaluator.DnsFailure(answer, DnsRecordType.TXT, domain);
            records.Add(new SpfInspectedRecord(domain, null, null, depth, failure));
            errors.Add(failure);
            return 0;
        }

        var text = SpfEvaluator.SelectRecord(answer, out var several);
        if (several || text is null)
        {
            var problem = several ? "more than one SPF record" : "no SPF record";
            records.Add(new SpfInspectedRecord(domain, null, null, depth, problem));
            errors.Add($"{domain}: {problem}");
            return 0;
        }

        if (!SpfRecord.TryParse(text, out var record, out var error))
        {
            records.Add(new SpfInspectedRecord(domain, text, null, depth, error));
            errors.Add($"{domain}: {error}");
            return 0;
        }

        records.Add(new SpfInspectedRecord(domain, text, record, depth));
        var total = record!.DnsLookupTerms;
        if (record.HasAll && record.Redirect is not null)
        {
            total--;
            warnings.Add($"{domain}: redirect= is never used because the record has \"all\"");
        }

        foreach (var mechanism in record.Mechanisms)
        {
            if (mechanism.Kind == SpfMechanismKind.Ptr)
            {
                warnings.Add($"{domain}: \"ptr\" should not be used (RFC 7208 5.5)");
            }

            if (mechanism.Kind == SpfMechanismKind.Include)
            {
                total += await FollowAsync(domain, mechanism.DomainSpec!, mechanism.Text, depth, records, errors, warnings, visited, cancellationToken).ConfigureAwait(false);
            }
        }

        if (record.Redirect is { } redirect && !record.HasAll)
        {
            total += await FollowAsync(domain, redirect.Value, redirect.Text, depth, records, errors, warnings, visited, cancellationToken).ConfigureAwait(false);
        }

        return total;
    }

    private async Task<int> FollowAsync(
        string domain,
        SpfMacroString target,
        string term,
        int depth,
        List<SpfInspectedRecord> records,
        List<string> errors,
        List<string> warnings,
        HashSet<string> visited,
        CancellationToken cancellationToken)
    {
        if (!target.IsConstant)
        {
            warnings.Add($"{domain}: {term} uses macros; its lookups are not counted");
            return 0;
        }

        var name = SpfDomainName.ToQueryName(target.ConstantValue!).ToLowerInvariant();
        return await WalkAsync(name, depth + 1, records, errors, warnings, visited, cancellationToken).ConfigureAwait(false);
    }
}
