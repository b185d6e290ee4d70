namespace SmarthostLab.Smtp.Protocol;

/// <summary>Where a session is in the RFC 5321 3.3 dialog.</summary>
public enum SmtpState
{
    /// <summary>Greeted, no HELO/EHLO yet (also after STARTTLS, RFC 3207 4.2).</summary>
    Greeted,
    /// <summary>HELO/EHLO done, no transaction.</summary>
    Ready,
    /// <summary>MAIL FROM accepted.</summary>
    MailGiven,
    /// <summary>At least one RCPT TO accepted.</summary>
    RecipientGiven,
    /// <summary>At least one non-LAST BDAT chunk received (RFC 3030 2).</summary>
    Chunking,
    /// <summary>The handler refused the session: only QUIT is legal (RFC 5321 3.1).</summary>
    Refused,
}
