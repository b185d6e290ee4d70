using System.Globalization;

namespace SmarthostLab.Smtp.Client;

/// <summary>
/// Reads the EHLO reply (RFC 5321 4.1.1.1: the first line is the server's name, each later line <c>keyword [params]</c>).
/// Keywords are matched without regard to case; unknown ones are ignored. Pure.
/// </summary>
internal static class SmtpClientCapabilityParser
{
    private static readonly (string Keyword, SmtpClientCapabilities Flag)[] Keywords =
    [
        ("PIPELINING", SmtpClientCapabilities.Pipelining),
        ("SIZE", SmtpClientCapabilities.Size),
        ("8BITMIME", SmtpClientCapabilities.EightBitMime),
        ("BINARYMIME", SmtpClientCapabilities.BinaryMime),
        ("CHUNKING", SmtpClientCapabilities.Chunking),
        ("SMTPUTF8", SmtpClientCapabilities.SmtpUtf8),
        ("DSN", SmtpClientCapabilities.Dsn),
        ("ENHANCEDSTATUSCODES", SmtpClientCapabilities.EnhancedStatusCodes),
        ("STARTTLS", SmtpClientCapabilities.StartTls),
    ];

    /// <summary>
    /// The capabilities in <paramref name="lines"/> (all the reply's lines, the first skipped).
    /// <paramref name="maxSize"/> is the SIZE argument when it is a positive number (RFC 1870 4: 0 or none means no fixed limit).
    /// </summary>
    public static SmtpClientCapabilities Parse(IReadOnlyList<string> lines, out long? maxSize)
    {
        var capabilities = SmtpClientCapabilities.None;
        maxSize = null;
        for (var i = 1; i < lines.Count; i++)
        {
            var line = lines[i].AsSpan().Trim();
            var space = line.IndexOf(' ');
            var keyword = space < 0 ? line : line[..space];
            var argument = space < 0 ? [] : line[(space + 1)..].Trim();
            foreach (var (name, flag) in Keywords)
            {
                if (!keyword.Equals(name, StringComparison.OrdinalIgnoreCase)) continue;
                capabilities |= flag;
                if (flag == SmtpClientCapabilities.Size && long.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size > 0)
                    maxSize = size;
            }
        }
        return capabilities;
    }
}
