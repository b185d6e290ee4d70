namespace SmarthostLab.Smtp.Client;

/// <summary>The EHLO keywords (RFC 5321 4.1.1.1) that <see cref="SmtpClientConnection"/> recognises; unknown keywords are ignored.</summary>
[Flags]
public enum SmtpClientCapabilities
{
    /// <summary>Nothing recognised (also the value after a HELO fallback).</summary>
    None = 0,

    /// <summary>PIPELINING, RFC 2920: MAIL FROM and every RCPT TO go out in one write.</summary>
    Pipelining = 1,

    /// <summary>SIZE, RFC 1870; the limit, when one is given, is <see cref="SmtpClientConnection.MaxSize"/>.</summary>
    Size = 2,

    /// <summary>8BITMIME, RFC 6152: MAIL FROM may carry BODY=8BITMIME.</summary>
    EightBitMime = 4,

    /// <summary>BINARYMIME, RFC 3030: MAIL FROM may carry BODY=BINARYMIME (with BDAT only).</summary>
    BinaryMime = 8,

    /// <summary>CHUNKING, RFC 3030: the content is sent with BDAT, verbatim, instead of DATA.</summary>
    Chunking = 16,

    /// <summary>SMTPUTF8, RFC 6531: UTF-8 addresses and headers.</summary>
    SmtpUtf8 = 32,

    /// <summary>DSN, RFC 3461: NOTIFY/ORCPT on RCPT TO, RET/ENVID on MAIL FROM.</summary>
    Dsn = 64,

    /// <summary>ENHANCEDSTATUSCODES, RFC 2034: replies carry RFC 3463 codes.</summary>
    EnhancedStatusCodes = 128,

    /// <summary>STARTTLS, RFC 3207.</summary>
    StartTls = 256,
}
