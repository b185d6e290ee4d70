namespace SmarthostLab.Verification.Spf;

/// <summary>One SPF record met while walking a domain's include/redirect tree.</summary>
/// <param name="Domain">Where it was found.</param>
/// <param name="Text">The record text; null when none was found or the lookup failed.</param>
/// <param name="Record">The parsed record; null on a syntax error.</param>
/// <param name="Depth">0 for the inspected domain, 1 for its includes/redirect, and so on.</param>
/// <param name="Error">What is wrong here: no record, several records, a syntax error, a DNS failure.</param>
public sealed record SpfInspectedRecord(string Domain, string? Text, SpfRecord? Record, int Depth, string? Error = null);
