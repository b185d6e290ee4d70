namespace SmarthostLab.Smtp.Client;

/// <summary>
/// Reply lines as RFC 5321 4.2 writes them: <c>Reply-code [ SP textstring ] CRLF</c> for the last line,
/// <c>Reply-code "-" [ textstring ] CRLF</c> before it; and the RFC 3463 enhanced code at the start of the text.
/// Pure: no I/O, no state.
/// </summary>
internal static class SmtpClientReplyParser
{
    /// <summary>
    /// Parses one line without its line end: three digits (the first 2 to 5), then a space (the last line), a hyphen
    /// (more lines follow) or nothing (a last line without text). False for anything else.
    /// </summary>
    public static bool TryParseLine(ReadOnlySpan<byte> line, out int code, out bool isLast, out ReadOnlySpan<byte> text)
    {
        code = 0;
        isLast = false;
        text = default;
        if (line.Length < 3 || line[0] is < (byte)'2' or > (byte)'5' || !char.IsAsciiDigit((char)line[1]) || !char.IsAsciiDigit((char)line[2]))
            return false;
        code = ((line[0] - '0') * 100) + ((line[1] - '0') * 10) + (line[2] - '0');
        if (line.Length == 3)
        {
            isLast = true;
            return true;
        }
        if (line[3] is not ((byte)' ' or (byte)'-')) return false;
        isLast = line[3] == ' ';
        text = line[4..];
        return true;
    }

    /// <summary>
    /// The enhanced status code (RFC 3463 2: <c>class "." subject "." detail</c>, subject and detail of one to three
    /// digits) that starts <paramref name="text"/> and is followed by a space or the end, when its class is the first
    /// digit of <paramref name="code"/> (RFC 2034 3); otherwise null.
    /// </summary>
    public static string? EnhancedCode(int code, string text)
    {
        if (text.Length < 5 || text[0] != (char)('0' + (code / 100)) || text[1] != '.') return null;
        var end = SkipDigits(text, 2);
        if (end is < 0 || end >= text.Length || text[end] != '.') return null;
        end = SkipDigits(text, end + 1);
        if (end < 0 || (end < text.Length && text[end] != ' ')) return null;
        return text[..end];
    }

    /// <summary>The index after one to three ASCII digits starting at <paramref name="start"/>, or -1 when there are none or more than three.</summary>
    private static int SkipDigits(string text, int start)
    {
        var i = start;
        while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
        return i - start is >= 1 and <= 3 ? i : -1;
    }
}
