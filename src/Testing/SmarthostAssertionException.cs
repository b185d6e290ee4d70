namespace SmarthostLab.Testing;

/// <summary>
/// A verdict assertion (<see cref="VerdictAssertions"/>) failed. Test frameworks report any exception as a failure, so
/// this one works in xunit, NUnit, MSTest and others alike; its message names the message and what was found.
/// </summary>
public sealed class SmarthostAssertionException : Exception
{
    /// <summary>An assertion failure with its message.</summary>
    public SmarthostAssertionException(string message) : base(message)
    {
    }

    /// <summary>An assertion failure with its message and cause.</summary>
    public SmarthostAssertionException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Not for use: an assertion failure always says what failed.</summary>
    public SmarthostAssertionException() : base("a SmarthostLab assertion failed")
    {
    }
}
