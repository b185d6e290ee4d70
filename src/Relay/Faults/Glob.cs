namespace SmarthostLab.Relay.Faults;

/// <summary>
/// A glob pattern of fault rules: <c>*</c> any run of characters (also none), <c>?</c> exactly one, anything else
/// itself, compared case-insensitively (ordinal); the whole text must match. No character classes, no escapes.
/// </summary>
public sealed class Glob
{
    private readonly string _pattern;

    /// <summary>Creates the matcher.</summary>
    public Glob(string pattern) => _pattern = pattern;

    /// <inheritdoc />
    public override string ToString() => _pattern;

    /// <summary>True when the whole of <paramref name="text"/> matches (linear backtracking on the last '*').</summary>
    public bool IsMatch(ReadOnlySpan<char> text)
    {
        var pattern = _pattern.AsSpan();
        int p = 0, t = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = t;
            }
            else if (p < pattern.Length && (pattern[p] == '?' || Same(pattern[p], text[t])))
            {
                p++;
                t++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++resume;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    private static bool Same(char a, char b) => a == b || char.ToUpperInvariant(a) == char.ToUpperInvariant(b);
}
