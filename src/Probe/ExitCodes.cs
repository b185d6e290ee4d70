namespace SmarthostLab.Probe;

/// <summary>The probe's documented process exit codes.</summary>
public static class ExitCodes
{
    /// <summary>Every check passed (warnings and notes allowed).</summary>
    public const int Pass = 0;

    /// <summary>At least one check failed; a refusal by the relay counts as a failed check.</summary>
    public const int Failed = 1;

    /// <summary>The probe could not run: bad arguments, unreadable input, MTA or relay unreachable.</summary>
    public const int CouldNotRun = 2;
}
