namespace SmarthostLab.Smtp.Session;

/// <summary>
/// The points of an SMTP dialog where <see cref="ISmtpSessionHandler.OnStageAsync"/> may inject a fault, each just
/// before the session answers it (after the session's own protocol checks: sequence, syntax, limits).
/// </summary>
public enum SmtpStage
{
    /// <summary>A connection the handler admitted, before the 220 greeting (RFC 5321 3.1, 4.3.1).</summary>
    Connect,
    /// <summary>HELO or EHLO, before its 250 (RFC 5321 4.1.1.1).</summary>
    Helo,
    /// <summary>STARTTLS, before its 220 (RFC 3207 4).</summary>
    StartTls,
    /// <summary>MAIL FROM, before the handler is asked (RFC 5321 4.1.1.2).</summary>
    Mail,
    /// <summary>RCPT TO, before the handler is asked (RFC 5321 4.1.1.3).</summary>
    Rcpt,
    /// <summary>The DATA command, before its 354 (RFC 5321 4.1.1.4).</summary>
    Data,
    /// <summary>A BDAT command (RFC 3030 2), before its chunk is read; its reply follows the chunk.</summary>
    Bdat,
    /// <summary>The whole message arrived (CRLF.CRLF, or BDAT LAST), before the handler stores it and the reply.</summary>
    EndOfData,
}

/// <summary>What the session knows at a <see cref="SmtpStage"/>; fields that do not apply there are null.</summary>
/// <param name="Argument">HELO/EHLO: the domain or address literal given; MAIL: the reverse-path ("" for &lt;&gt;).</param>
/// <param name="Envelope">MAIL: the transaction about to start; RCPT, DATA, BDAT, end of data: the current one.</param>
/// <param name="Recipient">RCPT: the forward-path asked for (not yet added to the envelope).</param>
/// <param name="Content">End of data: the message as received (valid only during the call).</param>
public readonly record struct SmtpStageInput(string? Argument, Envelope? Envelope, string? Recipient, MessageContent? Content);
