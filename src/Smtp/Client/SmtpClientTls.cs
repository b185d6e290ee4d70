namespace SmarthostLab.Smtp.Client;

/// <summary>When <see cref="SmtpClientConnection"/> uses STARTTLS (RFC 3207) and which certificates it accepts.</summary>
public enum SmtpClientTls
{
    /// <summary>Never STARTTLS, even when offered: the whole session is in plain text.</summary>
    None,

    /// <summary>
    /// STARTTLS when offered, accepting any certificate (opportunistic TLS, as RFC 7435 describes); plain text when
    /// not offered or when the server refuses STARTTLS with a reply. A failed handshake still throws.
    /// </summary>
    Opportunistic,

    /// <summary>STARTTLS must be offered and must succeed; any certificate is accepted (encryption without authentication).</summary>
    Required,

    /// <summary>STARTTLS must be offered and the certificate must validate for the remote host name (the platform's normal chain and name checks).</summary>
    RequiredValid,
}
