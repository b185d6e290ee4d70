using System.Text;

namespace SmarthostLab.Verification.Spf;

/// <summary>
/// A parsed macro-string or explain-string (RFC 7208 7.1), validated once when the record is
/// parsed and expanded per check (RFC 7208 7.3). A string with no macros expands without allocating.
/// </summary>
public sealed class SpfMacroString
{
    private readonly SpfMacroSegment[] segments;
    private readonly string? constant;

    private SpfMacroString(string text, SpfMacroSegment[] segments)
    {
        Text = text;
        this.segments = segments;
        if (segments.Length == 0)
        {
            constant = string.Empty;
        }
        else if (segments.Length == 1 && segments[0].Literal is { } only)
        {
            constant = only;
        }

        foreach (var segment in segments)
        {
            if (segment.Letter == 'p')
            {
                UsesValidatedName = true;
            }
        }
    }

    /// <summary>The string as written in the record.</summary>
    public string Text { get; }

    /// <summary>True when the string has no macros (its expansion is always the same).</summary>
    public bool IsConstant => constant is not null;

    /// <summary>The expansion when <see cref="IsConstant"/>; null otherwise.</summary>
    internal string? ConstantValue => constant;

    /// <summary>True when the string uses the %{p} macro, which needs DNS lookups to expand.</summary>
    public bool UsesValidatedName { get; }

    /// <summary>True when the last segment is a macro (the domain-end rule of RFC 7208 7.1 is then met).</summary>
    internal bool EndsWithMacro => segments.Length > 0 && segments[^1].Literal is null;

    /// <summary>The literal text after the last macro (empty when the string ends with a macro).</summary>
    internal string TrailingLiteral => segments.Length > 0 && segments[^1].Literal is { } tail ? tail : string.Empty;

    /// <inheritdoc/>
    public override string ToString() => Text;

    /// <summary>
    /// Parses a macro-string (RFC 7208 7.1). <paramref name="explanation"/> allows spaces and the
    /// c, r and t macros, which only explain-strings may use.
    /// </summary>
    public static bool TryParse(string text, bool explanation, out SpfMacroString? result, out string? error)
        => TryParse(text.AsSpan(), text, explanation, out result, out error);

    internal static bool TryParse(ReadOnlySpan<char> span, string? original, bool explanation, out SpfMacroString? result, out string? error)
    {
        result = null;
        var list = new List<SpfMacroSegment>();
        var literal = new StringBuilder();
        var i = 0;
        while (i < span.Length)
        {
            var c = span[i];
            if (c != '%')
            {
                if (c is < '!' or > '~' && !(explanation && c == ' '))
                {
                    error = c > '~' ? "non-ASCII character in macro-string" : $"invalid character 0x{(int)c:X2} in macro-string";
                    return false;
                }

                literal.Append(c);
                i++;
                continue;
            }

            if (i + 1 >= span.Length)
            {
                error = "'%' at end of macro-string";
                return false;
            }

            var next = span[i + 1];
            switch (next)
            {
                case '%': literal.Append('%'); i += 2; continue;
                case '_': literal.Append(' '); i += 2; continue;
                case '-': literal.Append("%20"); i += 2; continue;
                case '{': break;
                default:
                    error = $"invalid macro '%{next}'";
                    return false;
            }

            var close = span[(i + 2)..].IndexOf('}');
            if (close < 0)
            {
                error = "unterminated macro '%{'";
                return false;
            }

            if (!TryParseMacro(span.Slice(i + 2, close), explanation, out var segment, out error))
            {
                return false;
            }

            if (literal.Length > 0)
            {
                list.Add(new SpfMacroSegment(literal.ToString()));
                literal.Clear();
            }

            list.Add(segment);
            i += close + 3;
        }

        if (literal.Length > 0)
        {
            list.Add(new SpfMacroSegment(literal.ToString()));
        }

        result = new SpfMacroString(original ?? span.ToString(), [.. list]);
        error = null;
        return true;
    }

    private static bool TryParseMacro(ReadOnlySpan<char> body, bool explanation, out SpfMacroSegment segment, out string? error)
    {
        segment = default;
        if (body.IsEmpty)
        {
            error = "empty macro '%{}'";
            return false;
        }

        var letterRaw = body[0];
        var letter = char.ToLowerInvariant(letterRaw);
        switch (letter)
        {
            case 's' or 'l' or 'o' or 'd' or 'i' or 'p' or 'h' or 'v':
                break;
            case 'c' or 'r' or 't' when explanation:
                break;
            case 'c' or 'r' or 't':
                error = $"macro letter '{letterRaw}' is only allowed in exp text";
                return false;
            default:
                error = $"invalid macro letter '{letterRaw}'";
                return false;
        }

        var j = 1;
        var digits = 0;
        var hasDigits = false;
        while (j < body.Length && char.IsAsciiDigit(body[j]))
        {
            hasDigits = true;
            digits = Math.Min(digits * 10 + (body[j] - '0'), 1000);
            j++;
        }

        if (hasDigits && digits == 0)
        {
            error = "macro digit transformer must be nonzero";
            return false;
        }

        var reverse = false;
        if (j < body.Length && body[j] is 'r' or 'R')
        {
            reverse = true;
            j++;
        }

        var delimiters = body[j..];
        foreach (var d in delimiters)
        {
            if (d is not ('.' or '-' or '+' or ',' or '/' or '_' or '='))
            {
                error = $"invalid macro delimiter '{d}'";
                return false;
            }
        }

        segment = new SpfMacroSegment(
            null,
            letter,
            digits,
            reverse,
            delimiters.IsEmpty ? null : delimiters.ToString(),
            char.IsAsciiLetterUpper(letterRaw));
        error = null;
        return true;
    }

    /// <summary>Expands the string for one check (RFC 7208 7.3).</summary>
    internal string Expand(SpfCheckState state, string domain)
    {
        if (constant is not null)
        {
            return constant;
        }

        var builder = new StringBuilder();
        foreach (var segment in segments)
        {
            if (segment.Literal is { } literal)
            {
                builder.Append(literal);
                continue;
            }

            var value = state.MacroValue(segment.Letter, domain);
            if (segment.Digits > 0 || segment.Reverse || segment.Delimiters is not null)
            {
                value = Transform(value, segment);
            }

            if (segment.UrlEscape)
            {
                AppendUrlEscaped(builder, value);
            }
            else
            {
                builder.Append(value);
            }
        }

        return builder.ToString();
    }

    private static string Transform(string value, SpfMacroSegment segment)
    {
        var parts = segment.Delimiters is null
            ? value.Split('.')
            : value.Split(segment.Delimiters.ToCharArray());
        if (segment.Reverse)
        {
            Array.Reverse(parts);
        }

        var take = segment.Digits == 0 ? parts.Length : Math.Min(segment.Digits, parts.Length);
        return string.Join('.', parts, parts.Length - take, take);
    }

    private static void AppendUrlEscaped(StringBuilder builder, string value)
    {
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in value.EnumerateRunes())
        {
            if (rune.IsAscii && (char.IsAsciiLetterOrDigit((char)rune.Value) || rune.Value is '-' or '.' or '_' or '~'))
            {
                builder.Append((char)rune.Value);
                continue;
            }

            var n = rune.EncodeToUtf8(utf8);
            for (var k = 0; k < n; k++)
            {
                builder.Append('%').Append(utf8[k].ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }
}
