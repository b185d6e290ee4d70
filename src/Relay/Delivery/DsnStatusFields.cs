using System.Globalization;
using System.Text;
using SmarthostLab.Relay.Session;

namespace SmarthostLab.Relay.Delivery;

/// <summary>
/// The body of the message/delivery-status part (RFC 3464 2.2 and 2.3): the per-message fields, then one block
/// of per-recipient fields for each recipient, each block after an empty line. ASCII only: a non-ASCII address
/// is written with the utf-8 address type in its ASCII form (RFC 6533 3), other non-ASCII text as '?'.
/// </summary>
internal static class DsnStatusFields
{
    /// <summary>The fields, each folded (RFC 5322 2.2.3) and ending with CRLF.</summary>
    public static string Format(DsnRequest request)
    {
        var builder = new StringBuilder(256 + (request.Recipients.Count * 320));
        Field(builder, "Reporting-MTA: dns; " + request.ReportingMta);
        if (request.EnvelopeId is { Length: > 0 } envelopeId)
            Field(builder, "Original-Envelope-Id: " + EmbedUnicode(envelopeId, asciiSpecials: false));
        Field(builder, "Arrival-Date: " + ReceivedHeader.Rfc5322Date(request.ArrivalDate));
        foreach (var recipient in request.Recipients)
        {
            builder.Append("\r\n");
            if (recipient.OriginalRecipient is { Length: > 0 } original)
                Field(builder, "Original-Recipient: " + EmbedUnicode(original, asciiSpecials: false));
            Field(builder, "Final-Recipient: " + FinalRecipient(recipient.FinalRecipient));
            Field(builder, "Action: " + ActionName(recipient.Action));
            Field(builder, "Status: " + recipient.Status);
            if (recipient.RemoteMta is { Length: > 0 } remoteMta)
                Field(builder, "Remote-MTA: dns; " + DsnLines.ToAscii(remoteMta));
            if (recipient.DiagnosticCode is { Length: > 0 } diagnostic)
                Field(builder, "Diagnostic-Code: smtp; " + DsnLines.ToAscii(diagnostic));
            if (recipient.LastAttemptDate is { } lastAttempt)
                Field(builder, "Last-Attempt-Date: " + ReceivedHeader.Rfc5322Date(lastAttempt));
        }
        return builder.ToString();
    }

    /// <summary>The Action field's word (RFC 3464 2.3.3), lower case.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="action"/> is not a member of <see cref="DsnAction"/>.</exception>
    public static string ActionName(DsnAction action) => action switch
    {
        DsnAction.Failed => "failed",
        DsnAction.Delayed => "delayed",
        DsnAction.Delivered => "delivered",
        DsnAction.Relayed => "relayed",
        DsnAction.Expanded => "expanded",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "Not a DSN action."),
    };

    /// <summary>
    /// <c>rfc822; addr</c> for an ASCII address; <c>utf-8; addr</c> in the utf-8-addr-xtext form of RFC 6533 3
    /// for any other, every character but QCHAR (printable ASCII except '+', '=' and '\') written as <c>\x{HEX}</c>.
    /// </summary>
    public static string FinalRecipient(string address)
    {
        var clean = DsnLines.Clean(address)!;
        return Ascii.IsValid(clean) ? "rfc822; " + clean : "utf-8; " + EmbedUnicode(clean, asciiSpecials: true);
    }

    private static void Field(StringBuilder builder, string field) => DsnLines.AppendWrapped(builder, field, " ");

    /// <summary>
    /// <paramref name="text"/> cleaned, each non-ASCII character as <c>\x{HEX}</c> (RFC 6533 EmbeddedUnicodeChar);
    /// with <paramref name="asciiSpecials"/> also space, '+', '=' and '\', which QCHAR leaves out.
    /// </summary>
    private static string EmbedUnicode(string text, bool asciiSpecials)
    {
        var clean = DsnLines.Clean(text)!;
        var builder = new StringBuilder(clean.Length + 16);
        foreach (var rune in clean.EnumerateRunes())
        {
            if (rune.IsAscii && !(asciiSpecials && rune.Value is ' ' or '+' or '=' or '\\'))
                builder.Append((char)rune.Value);
            else
                builder.Append(CultureInfo.InvariantCulture, $"\\x{{{rune.Value:X}}}");
        }
        return builder.ToString();
    }
}
