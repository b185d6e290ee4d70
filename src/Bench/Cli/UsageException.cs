namespace SmarthostLab.Bench.Cli;

/// <summary>A command's arguments parsed but do not make a run (a file that is missing, a setting that does not bind): exit code 2.</summary>
public sealed class UsageException : Exception
{
    /// <summary>Creates the exception.</summary>
    public UsageException()
    {
    }

    /// <summary>Creates the exception with the line the user sees (it names the flag).</summary>
    public UsageException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with the line the user sees and its cause.</summary>
    public UsageException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
