namespace SmarthostLab.Verification.Dns;

/// <summary>What a <see cref="ZoneResolver"/> knows about one query.</summary>
/// <param name="Answer">The authoritative answer, or null when the name is not under any held apex.</param>
/// <param name="CnameTarget">Set when a CNAME leads out of every held apex: ask the chain for this name.</param>
internal readonly record struct ZoneLookup(DnsAnswer? Answer, string? CnameTarget = null)
{
    public bool IsMine => Answer is not null || CnameTarget is not null;
}
