namespace SmarthostLab.Probe.Reporting;

/// <summary>One check's outcome: a stable check id, a severity, a one-line reason and what to do about it.</summary>
/// <param name="Check">Stable id of the check (e.g. <c>address-space</c>, <c>spf-egress</c>); also the JUnit test case name.</param>
/// <param name="Severity">Outcome.</param>
/// <param name="Message">One-line reason, in words.</param>
/// <param name="Fix">What to change, or null when nothing needs changing.</param>
/// <param name="Details">Extra facts shown in JSON and as JUnit properties (never secrets).</param>
public sealed record Finding(
    string Check,
    Severity Severity,
    string Message,
    string? Fix = null,
    IReadOnlyDictionary<string, string>? Details = null)
{
    /// <summary>A passed check.</summary>
    public static Finding Pass(string check, string message, IReadOnlyDictionary<string, string>? details = null)
        => new(check, Severity.Pass, message, null, details);

    /// <summary>An informational note.</summary>
    public static Finding Info(string check, string message, string? fix = null, IReadOnlyDictionary<string, string>? details = null)
        => new(check, Severity.Info, message, fix, details);

    /// <summary>A warning.</summary>
    public static Finding Warn(string check, string message, string? fix, IReadOnlyDictionary<string, string>? details = null)
        => new(check, Severity.Warn, message, fix, details);

    /// <summary>A failed check.</summary>
    public static Finding Fail(string check, string message, string? fix, IReadOnlyDictionary<string, string>? details = null)
        => new(check, Severity.Fail, message, fix, details);
}
