namespace SmarthostLab.Smtp.Client;

/// <summary>
/// One reply received by <see cref="SmtpClientConnection"/> (RFC 5321 4.2), every line kept.
/// </summary>
/// <param name="Code">The three-digit reply code, e.g. 250.</param>
/// <param name="EnhancedCode">
/// The RFC 3463 enhanced status code at the start of the first line, e.g. "5.1.1", when there is one whose class
/// is the reply's first digit (RFC 2034 3); otherwise null. It stays in <paramref name="Lines"/> as well.
/// </param>
/// <param name="Lines">The text of each line after "NNN-" or "NNN ", as the server sent it (decoded as UTF-8); "" for a bare "NNN".</param>
public sealed record SmtpClientReply(int Code, string? EnhancedCode, IReadOnlyList<string> Lines)
{
    /// <summary>True for 2xx and 3xx replies.</summary>
    public bool IsPositive => Code is >= 200 and < 400;

    /// <summary>True for 4xx replies: try again later.</summary>
    public bool IsTransient => Code is >= 400 and < 500;

    /// <summary>True for 5xx replies: do not try again.</summary>
    public bool IsPermanent => Code >= 500;

    /// <summary>
    /// The code, then the text of every non-empty line joined by a space, e.g. "550 5.1.1 user unknown"; for a
    /// multi-line EHLO reply, "250 mx.example.com PIPELINING SIZE 10240000". Used in logs, bounces and exception messages.
    /// </summary>
    public override string ToString()
    {
        var text = Lines.Count == 1 ? Lines[0] : string.Join(' ', Lines.Where(l => l.Length > 0));
        return text.Length == 0 ? Code.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{Code} {text}";
    }
}
