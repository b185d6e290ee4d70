namespace SmarthostLab.Verification.AuthResults;

/// <summary>
/// Removes incoming Authentication-Results header fields that claim our authserv-id (RFC 8601 5:
/// a border MTA must delete or rename them so forged results are not believed). The rest of the
/// message is kept byte for byte. The authserv-id compares case-insensitively; the optional
/// version after it and comments (CFWS) around it are ignored.
/// </summary>
public static class AuthenticationResultsFilter
{
    /// <summary>
    /// Returns <paramref name="message"/> without Authentication-Results fields naming
    /// <paramref name="authServId"/>; the same memory when there are none.
    /// </summary>
    /// <param name="message">The raw message (CRLF or LF line ends).</param>
    /// <param name="authServId">Our authserv-id.</param>
    /// <param name="removed">How many fields were removed.</param>
    public static ReadOnlyMemory<byte> RemoveOwn(ReadOnlyMemory<byte> message, string authServId, out int removed)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(authServId);
        removed = 0;
        var span = message.Span;
        List<(int Start, int End)>? cut = null;
        var pos = 0;
        while (pos < span.Length)
        {
            var fieldStart = pos;
            var lineEnd = NextLine(span, pos);
            if (IsBlank(span[pos..lineEnd]))
            {
                break; // end of the header section
            }

            // A field is its first line plus continuation lines starting with SP or HTAB.
            pos = lineEnd;
            while (pos < span.Length && span[pos] is (byte)' ' or (byte)'\t')
            {
                pos = NextLine(span, pos);
            }

            if (Claims(span[fieldStart..pos], authServId))
            {
                (cut ??= []).Add((fieldStart, pos));
            }
        }

        if (cut is null)
        {
            return message;
        }

        removed = cut.Count;
        var output = new byte[span.Length - cut.Sum(c => c.End - c.Start)];
        var o = 0;
        var from = 0;
        foreach (var (start, end) in cut)
        {
            span[from..start].CopyTo(output.AsSpan(o));
            o += start - from;
            from = end;
        }

        span[from..].CopyTo(output.AsSpan(o));
        return output;
    }

    /// <summary>True when <paramref name="headers"/> hold an Authentication-Results field naming <paramref name="authServId"/> (one <see cref="RemoveOwn"/> would remove).</summary>
    public static bool ClaimsOwn(IEnumerable<MimeKit.Header> headers, string authServId)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentException.ThrowIfNullOrWhiteSpace(authServId);
        foreach (var header in headers)
        {
            if (IsOwn(header, authServId)) return true;
        }
        return false;
    }

    /// <summary>The fields of <paramref name="headers"/> but the Authentication-Results naming <paramref name="authServId"/> (those <see cref="RemoveOwn"/> removes).</summary>
    public static IReadOnlyList<MimeKit.Header> WithoutOwn(IEnumerable<MimeKit.Header> headers, string authServId)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentException.ThrowIfNullOrWhiteSpace(authServId);
        return [.. headers.Where(h => !IsOwn(h, authServId))];
    }

    private static bool IsOwn(MimeKit.Header header, string authServId) =>
        header.Id == MimeKit.HeaderId.AuthenticationResults && ValueClaims(header.RawValue, authServId);

    /// <summary>True when a raw field (name, colon, value, folding) is an Authentication-Results naming <paramref name="authServId"/>.</summary>
    internal static bool Claims(ReadOnlySpan<byte> field, string authServId)
    {
        var colon = field.IndexOf((byte)':');
        if (colon < 0)
        {
            return false;
        }

        var name = field[..colon].TrimEnd(" \t"u8);
        if (!System.Text.Ascii.EqualsIgnoreCase(name, "Authentication-Results"u8))
        {
            return false;
        }

        return ValueClaims(field[(colon + 1)..], authServId);
    }

    /// <summary>True when an Authentication-Results value (after the colon) names <paramref name="authServId"/>.</summary>
    private static bool ValueClaims(ReadOnlySpan<byte> value, string authServId)
    {
        var i = SkipCfws(value, 0);
        int start, end;
        string id;
        if (i < value.Length && value[i] == (byte)'"')
        {
            start = i + 1;
            end = value[start..].IndexOf((byte)'"');
            if (end < 0)
            {
                return false;
            }

            id = System.Text.Encoding.ASCII.GetString(value.Slice(start, end));
        }
        else
        {
            start = i;
            end = start;
            while (end < value.Length && value[end] is not ((byte)';' or (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)'('))
            {
                end++;
            }

            id = System.Text.Encoding.Latin1.GetString(value[start..end]);
        }

        return id.Length > 0 && id.Equals(authServId.Trim(), StringComparison.OrdinalIgnoreCase);
    }

    private static int SkipCfws(ReadOnlySpan<byte> s, int i)
    {
        var depth = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (depth > 0)
            {
                if (c == (byte)'\\')
                {
                    i++;
                }
                else if (c == (byte)'(')
                {
                    depth++;
                }
                else if (c == (byte)')')
                {
                    depth--;
                }
            }
            else if (c == (byte)'(')
            {
                depth = 1;
            }
            else if (c is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                break;
            }

            i++;
        }

        return i;
    }

    private static int NextLine(ReadOnlySpan<byte> s, int pos)
    {
        var nl = s[pos..].IndexOf((byte)'\n');
        return nl < 0 ? s.Length : pos + nl + 1;
    }

    private static bool IsBlank(ReadOnlySpan<byte> line) => line.SequenceEqual("\r\n"u8) || line.SequenceEqual("\n"u8) || line.IsEmpty;
}
