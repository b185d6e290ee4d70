namespace SmarthostLab.Verification.Dns;

/// <summary>A zone file could not be read: the message names the file and line (RFC 1035 5).</summary>
public sealed class ZoneFileException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ZoneFileException(string fileName, int line, string problem)
        : base($"{fileName}:{line}: {problem}")
    {
        FileName = fileName;
        Line = line;
        Problem = problem;
    }

    /// <summary>The file (or the name given to the parser).</summary>
    public string FileName { get; }

    /// <summary>1-based line where the bad entry starts.</summary>
    public int Line { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }
}
