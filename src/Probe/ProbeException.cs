namespace SmarthostLab.Probe;

/// <summary>
/// Raised when the probe cannot run at all (bad input, an endpoint it needs is unreachable).
/// Caught once in <see cref="ProbeApp"/> and turned into exit code <see cref="ExitCodes.CouldNotRun"/>.
/// </summary>
public sealed class ProbeException : Exception
{
    /// <summary>Creates the exception with a one-line message naming the problem.</summary>
    public ProbeException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a one-line message and the underlying cause.</summary>
    public ProbeException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
