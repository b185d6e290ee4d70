namespace SmarthostLab.Smtp.Protocol;

/// <summary>The SMTP commands this server knows (RFC 5321 4.1.1, RFC 3030 BDAT, RFC 3207 STARTTLS, RFC 4954 AUTH).</summary>
public enum SmtpCommandKind
{
    /// <summary>Not a recognised command (500 5.5.1).</summary>
    Unknown = 0,
    /// <summary>HELO (RFC 5321 4.1.1.1).</summary>
    Helo,
    /// <summary>EHLO (RFC 5321 4.1.1.1).</summary>
    Ehlo,
    /// <summary>MAIL FROM (RFC 5321 4.1.1.2).</summary>
    Mail,
    /// <summary>RCPT TO (RFC 5321 4.1.1.3).</summary>
    Rcpt,
    /// <summary>DATA (RFC 5321 4.1.1.4).</summary>
    Data,
    /// <summary>BDAT (RFC 3030 2).</summary>
    Bdat,
    /// <summary>RSET (RFC 5321 4.1.1.5).</summary>
    Rset,
    /// <summary>NOOP (RFC 5321 4.1.1.9).</summary>
    Noop,
    /// <summary>QUIT (RFC 5321 4.1.1.10).</summary>
    Quit,
    /// <summary>VRFY (RFC 5321 4.1.1.6).</summary>
    Vrfy,
    /// <summary>HELP (RFC 5321 4.1.1.8).</summary>
    Help,
    /// <summary>STARTTLS (RFC 3207 4).</summary>
    StartTls,
    /// <summary>AUTH (RFC 4954 4).</summary>
    Auth,
}
