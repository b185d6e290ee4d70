namespace SmarthostLab.Fuzz;

/// <summary>
/// A fuzz target found its parser breaking a promise (a reply that is not well-formed, a decoded message longer
/// than its input, a record that does not re-parse the same). Thrown so that afl-fuzz and libFuzzer record the
/// input as a crash, like any exception the parser itself lets escape.
/// </summary>
public sealed class FuzzInvariantException : Exception
{
    /// <summary>Creates the exception with the broken invariant in words.</summary>
    public FuzzInvariantException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception for an invariant broken by an inner exception (a hang, an error logged).</summary>
    public FuzzInvariantException(string message, Exception? inner)
        : base(message, inner)
    {
    }

    /// <summary>Throws when <paramref name="condition"/> is false.</summary>
    public static void Check(bool condition, string invariant)
    {
        if (!condition) throw new FuzzInvariantException(invariant);
    }

    /// <summary>Throws when <paramref name="condition"/> is false; the message is built only then.</summary>
    public static void Check(bool condition, Func<string> invariant)
    {
        if (!condition) throw new FuzzInvariantException(invariant());
    }
}
