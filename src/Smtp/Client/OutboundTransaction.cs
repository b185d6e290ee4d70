using System.Buffers;

namespace SmarthostLab.Smtp.Client;

/// <summary>
/// One mail transaction to send on an <see cref="SmtpClientConnection"/>. The client sends exactly what it is given:
/// the caller chooses the parameters from <see cref="SmtpClientConnection.Capabilities"/> (no BODY=8BITMIME to a
/// server without 8BITMIME, no SIZE= beyond <see cref="SmtpClientConnection.MaxSize"/>, and so on).
/// </summary>
/// <param name="MailFrom">The reverse path without angle brackets; "" is the null sender, sent as <c>MAIL FROM:&lt;&gt;</c>.</param>
/// <param name="MailParameters">ESMTP parameters sent after the path, in order and as given, e.g. ["SIZE=1234", "BODY=8BITMIME", "SMTPUTF8", "RET=HDRS", "ENVID=abc"].</param>
/// <param name="Recipients">At least one recipient.</param>
/// <param name="Content">The message octets, sent exactly: dot-stuffed for DATA, verbatim for BDAT. Not copied as a whole.</param>
public sealed record OutboundTransaction(string MailFrom, IReadOnlyList<string> MailParameters, IReadOnlyList<OutboundRecipient> Recipients, ReadOnlySequence<byte> Content)
{
    /// <summary>
    /// Send RSET first (a reused connection), in the same write as MAIL FROM when the server offers PIPELINING
    /// (RFC 2920 3.1 allows RSET anywhere in a group); a refused RSET ends the session.
    /// </summary>
    public bool ResetFirst { get; init; }
}
