using System.Buffers;

namespace SmarthostLab.Verification;

/// <summary>
/// The tag=value list of RFC 6376 3.2, shared by DKIM-Signature headers, DKIM key records and
/// DMARC records (RFC 7489 6.4 uses the same syntax). Tag names are case-sensitive; white space
/// (including folding) around tags and values is dropped; an empty trailing element is allowed.
/// </summary>
internal sealed class TagList
{
    private static readonly SearchValues<char> WhiteSpace = SearchValues.Create(" \t\r\n");

    // The tag names of DKIM signatures and keys and of DMARC records, shared instead of allocated per record.
    private static readonly string[] KnownNames =
    [
        "v", "a", "b", "bh", "c", "d", "h", "i", "l", "q", "s", "t", "x", "z", "k", "p", "n", "g",
        "pct", "rua", "ruf", "sp", "np", "adkim", "aspf", "fo", "rf", "ri", "psd",
    ];

    private readonly List<KeyValuePair<string, string>> _tags;

    private TagList(List<KeyValuePair<string, string>> tags) => _tags = tags;

    /// <summary>Tags in the order written.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Tags => _tags;

    /// <summary>The value of <paramref name="name"/>, or null when absent.</summary>
    public string? this[string name]
    {
        get
        {
            foreach (var tag in _tags)
            {
                if (tag.Key == name)
                {
                    return tag.Value;
                }
            }

            return null;
        }
    }

    /// <summary>
    /// Parses <paramref name="text"/>. Fails on an element without '=', an empty or invalid tag name,
    /// or a duplicated tag (RFC 6376 3.2: "Tags with duplicate names MUST NOT occur").
    /// </summary>
    public static bool TryParse(string text, out TagList tags, out string? error)
    {
        var list = new List<KeyValuePair<string, string>>(12);
        tags = new TagList(list);
        error = null;
        foreach (var range in text.AsSpan().Split(';'))
        {
            var part = text.AsSpan(range).Trim(" \t\r\n");
            if (part.IsEmpty)
            {
                // Empty elements (a trailing ";" or ";;") carry nothing.
                continue;
            }

            var eq = part.IndexOf('=');
            if (eq <= 0)
            {
                error = $"malformed tag \"{OneLine(part.ToString())}\"";
                return false;
            }

            var nameSpan = part[..eq].Trim(" \t\r\n");
            if (!IsTagName(nameSpan))
            {
                error = $"invalid tag name \"{OneLine(nameSpan.ToString())}\"";
                return false;
            }

            var name = KnownName(nameSpan) ?? nameSpan.ToString();
            foreach (var existing in list)
            {
                if (existing.Key == name)
                {
                    error = $"duplicate tag {name}=";
                    return false;
                }
            }

            list.Add(new(name, part[(eq + 1)..].Trim(" \t\r\n").ToString()));
        }

        return true;
    }

    /// <summary>Removes all folding white space (RFC 5322 FWS) from a value, e.g. b= and p= base64.</summary>
    public static string StripWhiteSpace(string value)
    {
        var span = value.AsSpan();
        if (span.IndexOfAny(WhiteSpace) < 0)
        {
            return value;
        }

        var kept = span.Length;
        foreach (var c in span)
        {
            if (c is ' ' or '\t' or '\r' or '\n') kept--;
        }

        return string.Create(kept, value, static (dest, src) =>
        {
            var j = 0;
            foreach (var c in src)
            {
                if (c is not (' ' or '\t' or '\r' or '\n'))
                {
                    dest[j++] = c;
                }
            }
        });
    }

    private static string? KnownName(ReadOnlySpan<char> name)
    {
        foreach (var known in KnownNames)
        {
            if (name.SequenceEqual(known)) return known;
        }

        return null;
    }

    private static bool IsTagName(ReadOnlySpan<char> name)
    {
        // tag-name = ALPHA *ALNUMPUNC ; ALNUMPUNC = ALPHA / DIGIT / "_"
        if (name.Length == 0 || !char.IsAsciiLetter(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A value as quoted in a one-line reason: at most 40 characters; folding (CR, LF and the white space after) becomes
    /// one space. Also used by the key record's reasons, which quoted folded values as they were (found by fuzzing).
    /// </summary>
    internal static string OneLine(string s)
    {
        if (s.AsSpan().IndexOfAny('\r', '\n') >= 0) s = string.Join(' ', s.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(p => p.Trim(' ', '\t')));
        return s.Length <= 40 ? s : s[..40] + "…";
    }
}
