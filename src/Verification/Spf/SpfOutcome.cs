namespace SmarthostLab.Verification.Spf;

/// <summary>The result of one check_host() call inside an evaluation tree.</summary>
/// <param name="Result">The result.</param>
/// <param name="Reason">One-line reason; null when <paramref name="Matched"/> says it (formatted only when asked, so includes cost no strings).</param>
/// <param name="Explanation">exp= text on fail, when computed.</param>
/// <param name="Matched">The mechanism that matched, if any.</param>
/// <param name="Domain">The domain whose record decided.</param>
/// <param name="Record">The record that decided (with <paramref name="Domain"/>): a match, or no match and no redirect (neutral).</param>
internal readonly record struct SpfOutcome(SpfResult Result, string? Reason, string? Explanation = null, SpfMechanism? Matched = null, string? Domain = null, SpfRecord? Record = null)
{
    /// <summary>The reason line (RFC 7208 gives none; ours names the mechanism and domain, or the error).</summary>
    public string Describe() => Reason
        ?? (Matched is not null ? $"matched {Matched.Text} in {Domain}" : $"no mechanism matched in {Domain}");
}
