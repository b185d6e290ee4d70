namespace SmarthostLab.Smtp.Client;

/// <summary>Where in the session an <see cref="SmtpClientException"/> happened.</summary>
public enum SmtpClientFailureStage
{
    /// <summary>Binding the source address or connecting the socket.</summary>
    Connect,

    /// <summary>Waiting for, or refused by, the server's greeting.</summary>
    Greeting,

    /// <summary>EHLO, or the HELO fallback, before or after STARTTLS.</summary>
    Ehlo,

    /// <summary>STARTTLS: not offered when required, refused when required, or the handshake failed.</summary>
    StartTls,

    /// <summary>Sending MAIL FROM (and, when pipelined, the RCPT TO commands) or reading its reply.</summary>
    Mail,

    /// <summary>Sending RCPT TO or reading its reply.</summary>
    Rcpt,

    /// <summary>DATA and its 354, or sending the message content (DATA or BDAT).</summary>
    Data,

    /// <summary>Waiting for the final reply after the message content.</summary>
    DataEnd,

    /// <summary>RSET.</summary>
    Rset,

    /// <summary>QUIT.</summary>
    Quit,
}
