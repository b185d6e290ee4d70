namespace SmarthostLab.Verification.Dmarc;

/// <summary>The outcome of DMARC policy discovery (RFC 7489 6.6.3) for one author domain.</summary>
/// <param name="Status">None (no record), Found, TempError (DNS failed), PermError (record unusable).</param>
/// <param name="Record">The usable record when <see cref="Status"/> is Found.</param>
/// <param name="RecordDomain">The domain whose <c>_dmarc</c> name held the record (the author domain or its organizational domain).</param>
/// <param name="OrgDomain">Organizational domain of the author domain.</param>
/// <param name="Text">The record text, when one was found.</param>
/// <param name="Errors">Parse problems or why there is no record.</param>
public sealed record DmarcLookup(
    DmarcLookupStatus Status,
    DmarcRecord? Record,
    string? RecordDomain,
    string OrgDomain,
    string? Text,
    IReadOnlyList<string> Errors);
