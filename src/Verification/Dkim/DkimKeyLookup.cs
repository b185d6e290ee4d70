using SmarthostLab.Verification.Dns;

namespace SmarthostLab.Verification.Dkim;

/// <summary>
/// Fetches DKIM key records through <see cref="IDnsResolver"/> (RFC 6376 3.6.2.2: TXT at
/// <c>selector._domainkey.domain</c>, character-strings concatenated) and keeps a small cache of
/// parsed records keyed by the TXT text (the resolver caches the DNS answers and their TTLs).
/// </summary>
internal sealed class DkimKeyLookup(IDnsResolver dns, int cacheSize = 4096)
{
    private readonly ParseCache<(DkimKeyRecord? Record, string? Error)> _parsed = new(cacheSize);

    /// <summary>The outcome of one key lookup.</summary>
    /// <param name="Record">The key on success.</param>
    /// <param name="Failure">temperror or permerror when there is no usable key.</param>
    /// <param name="Reason">Why.</param>
    public readonly record struct Outcome(DkimKeyRecord? Record, DkimResult? Failure, string? Reason);

    public async ValueTask<Outcome> LookupAsync(string domain, string selector, CancellationToken cancellationToken)
    {
        var name = $"{selector}._domainkey.{domain}";
        DnsAnswer answer;
        try
        {
            answer = await dns.QueryAsync(name, DnsRecordType.TXT, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Resolvers should answer SERVFAIL instead of throwing; treat a throw the same way.
            return new(null, DkimResult.TempError, $"key lookup {name} failed ({e.GetType().Name})");
        }

        if (answer.IsTemporaryFailure)
        {
            var why = answer.Status == DnsStatus.Timeout ? "timeout" : "SERVFAIL";
            return new(null, DkimResult.TempError, $"key lookup {name} failed ({why})");
        }

        if (answer.Status == DnsStatus.NxDomain || answer.Records.Count == 0)
        {
            return new(null, DkimResult.PermError, $"no key at {name}");
        }

        // RFC 6376 6.1.2: with several records the behaviour is undefined; use the first that parses.
        string? firstError = null;
        foreach (var rr in answer.Records)
        {
            var (record, error) = Parse(rr.Text);
            if (record is not null)
            {
                return new(record, null, null);
            }

            firstError ??= error;
        }

        return new(null, DkimResult.PermError, $"bad key record at {name}: {firstError}");
    }

    private (DkimKeyRecord? Record, string? Error) Parse(string text) =>
        _parsed.GetOrAdd(text, static t => DkimKeyRecord.TryParse(t, out var record, out var error) ? (record, (string?)null) : (null, error));
}
