namespace SmarthostLab.Smtp.Protocol;

/// <summary>
/// One parsed command line (RFC 5321 4.1.1). Produced by <see cref="SmtpCommandParser"/>; which members are
/// meaningful depends on <see cref="Kind"/>.
/// </summary>
public readonly record struct SmtpCommand
{
    /// <summary>Which command.</summary>
    public SmtpCommandKind Kind { get; init; }

    /// <summary>
    /// HELO/EHLO domain, VRFY/HELP/NOOP argument, the MAIL/RCPT mailbox (without angle brackets; empty for &lt;&gt;), or
    /// the AUTH mechanism (upper-cased).
    /// </summary>
    public string? Argument { get; init; }

    /// <summary>MAIL/RCPT parameters in the order given; empty when none.</summary>
    public IReadOnlyList<EsmtpParameter> Parameters { get; init; }

    /// <summary>BDAT chunk size in octets.</summary>
    public long ChunkSize { get; init; }

    /// <summary>BDAT carried the LAST marker.</summary>
    public bool IsLast { get; init; }

    /// <summary>The MAIL/RCPT mailbox contains non-ASCII (UTF-8) characters, legal only with SMTPUTF8 (RFC 6531 3.3).</summary>
    public bool IsNonAscii { get; init; }

    /// <summary>
    /// AUTH's initial response (RFC 4954 4) as sent: base64, or "=" for an empty one; null when none was given.
    /// Not decoded by the parser: a response that is not base64 is the session's 501 5.5.2.
    /// </summary>
    public string? InitialResponse { get; init; }

    /// <summary>Creates a command of the given kind with no arguments.</summary>
    public SmtpCommand(SmtpCommandKind kind)
    {
        Kind = kind;
        Parameters = [];
    }
}
