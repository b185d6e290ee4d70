namespace SmarthostLab.Verification.Spf;

/// <summary>The result of one check_host() call inside an evaluation tree.</summary>
/// <param name="Result">The result.</param>
/// <param name="Reason">One-line reason.</param>
/// <param name="Explanation">exp= text on fail, when computed.</param>
internal readonly record struct SpfOutcome(SpfResult Result, string Reason, string? Explanation = null);
