namespace SmarthostLab.Bench.Load;

/// <summary>
/// Walks the bench's <c>--flag [value]</c> arguments in order: <see cref="Next"/> moves to the next flag,
/// <see cref="Value"/> takes the argument after it. Shared by the commands' parsers.
/// </summary>
public sealed class FlagReader(IReadOnlyList<string> args)
{
    private int _next;

    /// <summary>The current flag.</summary>
    public string Flag { get; private set; } = "";

    /// <summary>Moves to the next flag; false at the end.</summary>
    public bool Next()
    {
        if (_next >= args.Count) return false;
        Flag = args[_next++];
        return true;
    }

    /// <summary>The current flag's value (the next argument).</summary>
    /// <exception cref="ArgumentException">No argument is left.</exception>
    public string Value() => _next < args.Count ? args[_next++] : throw new ArgumentException($"{Flag} needs a value");
}
