namespace SmarthostLab.Verification.Spf;

/// <summary>What evaluating one mechanism gave (RFC 7208 4.6.2): match, no match, or an error that ends the check.</summary>
/// <param name="Matched">True when the mechanism matched.</param>
/// <param name="Error">temperror/permerror that ends evaluation; null otherwise.</param>
internal readonly record struct SpfMatch(bool Matched, SpfOutcome? Error = null)
{
    public static SpfMatch Yes => new(true);

    public static SpfMatch No => new(false);

    public static SpfMatch Fail(SpfResult result, string reason) => new(false, new SpfOutcome(result, reason));
}
