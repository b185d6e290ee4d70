using System.Text;
using SmarthostLab.Smtp.Protocol;

namespace SmarthostLab.Fuzz.Targets;

/// <summary>What every SMTP reply must look like, as a value and on the wire (RFC 5321 4.2, RFC 3463, RFC 2034).</summary>
internal static class ReplyChecks
{
    /// <summary>
    /// Code 2xx–5xx; an enhanced code, when present, of the same class with two more numbers
    /// (class "." 1*3digit "." 1*3digit); text without control characters other than the '\n' between lines.
    /// </summary>
    public static void WellFormed(SmtpReply reply)
    {
        FuzzInvariantException.Check(reply.Code is >= 200 and <= 599, () => $"reply code {reply.Code} out of range");
        if (reply.EnhancedCode.Length > 0)
            FuzzInvariantException.Check(IsEnhancedCode(reply.EnhancedCode, reply.Code / 100), () => $"reply {reply}: bad enhanced code for its class");
        FuzzInvariantException.Check(reply.Text.Length > 0, () => $"reply {reply.Code}: empty text");
        foreach (var c in reply.Text)
            FuzzInvariantException.Check(c == '\n' || !char.IsControl(c), () => $"reply {reply.Code}: control character U+{(int)c:X4} in its text");
        var wire = SmtpReplyWriter.ToBytes(reply);
        var lines = Lines(wire, out var rest);
        FuzzInvariantException.Check(rest == 0 && lines.Count > 0, () => $"reply {reply.Code} written without a final CRLF");
        CheckReplyLines(lines, 0, lines.Count);
    }

    /// <summary>
    /// Splits what a server wrote into replies and checks each line: "ddd" SP/"-" text CRLF, one code for all lines
    /// of a reply, the last line with SP, nothing after the last CRLF. Returns the replies' first lines.
    /// </summary>
    public static List<string> ParseWire(byte[] wire)
    {
        var lines = Lines(wire, out var rest);
        FuzzInvariantException.Check(rest == 0, () => $"server output ends with {rest} octets after the last CRLF");
        var replies = new List<string>();
        var start = 0;
        for (var k = 0; k < lines.Count; k++)
        {
            FuzzInvariantException.Check(lines[k].Length >= 4 && IsReplyCode(lines[k]) && lines[k][3] is ' ' or '-',
                () => $"server line is not a reply line: '{lines[k]}'");
            if (lines[k][3] == ' ')
            {
                CheckReplyLines(lines, start, k + 1);
                replies.Add(lines[start]);
                start = k + 1;
            }
        }
        FuzzInvariantException.Check(start == lines.Count, "the server's last reply is unfinished (continuation line without its last line)");
        return replies;
    }

    private static void CheckReplyLines(List<string> lines, int from, int to)
    {
        for (var k = from; k < to; k++)
        {
            var line = lines[k];
            FuzzInvariantException.Check(line.Length >= 4 && IsReplyCode(line), () => $"reply line '{line}' does not start with a code");
            FuzzInvariantException.Check(line[..3] == lines[from][..3], () => $"reply lines with different codes: '{lines[from]}' / '{line}'");
            FuzzInvariantException.Check(line[3] == (k == to - 1 ? ' ' : '-'), () => $"reply line '{line}': wrong separator");
            FuzzInvariantException.Check(!line.Any(c => c != '\t' && char.IsControl(c)), () => $"reply line '{line}' has a control character");
        }
    }

    private static bool IsReplyCode(string line) =>
        line[0] is >= '2' and <= '5' && char.IsAsciiDigit(line[1]) && char.IsAsciiDigit(line[2]);

    private static bool IsEnhancedCode(string code, int cls)
    {
        var parts = code.Split('.');
        return parts.Length == 3 && parts[0] == cls.ToString(System.Globalization.CultureInfo.InvariantCulture)
            && parts.Skip(1).All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit));
    }

    /// <summary>CRLF-terminated lines (UTF-8), and how many octets follow the last CRLF.</summary>
    private static List<string> Lines(byte[] wire, out int rest)
    {
        var lines = new List<string>();
        var start = 0;
        for (var k = 0; k + 1 < wire.Length; k++)
        {
            if (wire[k] == '\r' && wire[k + 1] == '\n')
            {
                var line = wire.AsSpan(start, k - start);
                FuzzInvariantException.Check(!line.Contains((byte)'\n') && !line.Contains((byte)'\r'), "bare CR or LF inside a reply line");
                lines.Add(Encoding.UTF8.GetString(line));
                start = k + 2;
                k++;
            }
        }
        rest = wire.Length - start;
        return lines;
    }
}
