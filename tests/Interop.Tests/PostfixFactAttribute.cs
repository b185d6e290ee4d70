namespace SmarthostLab.Interop.Tests;

/// <summary>
/// A fact that needs the Postfix instance .ci/postfix-setup.sh configures. Elsewhere it is
/// reported as skipped, with the reason, instead of failing.
/// </summary>
public sealed class PostfixFactAttribute : FactAttribute
{
    /// <summary>Marks the test skipped when Postfix is not set up for interop.</summary>
    public PostfixFactAttribute()
    {
        if (!PostfixHarness.IsAvailable(out var reason)) Skip = reason;
    }
}
