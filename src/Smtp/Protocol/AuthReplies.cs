namespace SmarthostLab.Smtp.Protocol;

/// <summary>The replies of SMTP AUTH (RFC 4954 4, 6; enhanced codes of RFC 4954 and RFC 3463).</summary>
public static class AuthReplies
{
    /// <summary>235 2.7.0: authenticated (RFC 4954 6).</summary>
    public static readonly SmtpReply Succeeded = new(235, "2.7.0", "Authentication successful");

    /// <summary>535 5.7.8: the credentials are not valid (RFC 4954 6); the default of a handler that checks none.</summary>
    public static readonly SmtpReply InvalidCredentials = new(535, "5.7.8", "Authentication credentials invalid");

    /// <summary>454 4.7.0: temporary authentication failure (RFC 4954 6), e.g. the handler failed.</summary>
    public static readonly SmtpReply TemporaryFailure = new(454, "4.7.0", "Temporary authentication failure");

    /// <summary>538 5.7.11: PLAIN and LOGIN only under TLS (RFC 4954 6; Smtp:AllowAuthWithoutTls lifts it).</summary>
    public static readonly SmtpReply EncryptionRequired = new(538, "5.7.11", "Encryption required for requested authentication mechanism (issue STARTTLS first)");

    /// <summary>504 5.5.4: a mechanism the server does not offer (RFC 4954 4).</summary>
    public static readonly SmtpReply UnknownMechanism = new(504, "5.5.4", "Unrecognized authentication type (offered: " + Sasl.Mechanisms + ")");

    /// <summary>503 5.5.1: AUTH after a successful AUTH (RFC 4954 4: "MUST reject any further AUTH commands with a 503").</summary>
    public static readonly SmtpReply AlreadyAuthenticated = new(503, "5.5.1", "Already authenticated");

    /// <summary>502 5.5.1: AUTH in a session it is not offered to.</summary>
    public static readonly SmtpReply NotAvailable = new(502, "5.5.1", "AUTH not available");

    /// <summary>501 5.0.0: the client cancelled the exchange with "*" (RFC 4954 4).</summary>
    public static readonly SmtpReply Cancelled = new(501, "5.0.0", "Authentication cancelled");

    /// <summary>501 5.5.2: a response that is not base64 (RFC 4954 4).</summary>
    public static readonly SmtpReply CannotDecode = new(501, "5.5.2", "Cannot decode response (base64 expected)");

    /// <summary>501 5.5.2: a PLAIN message not of the form authzid NUL authcid NUL passwd, or a name or password not UTF-8.</summary>
    public static readonly SmtpReply MalformedCredentials = new(501, "5.5.2", "Malformed credentials (PLAIN: [authzid] NUL user NUL password, UTF-8)");

    /// <summary>500 5.5.6: a response line over 12,288 octets (RFC 4954 6).</summary>
    public static readonly SmtpReply LineTooLong = new(500, "5.5.6", "Authentication exchange line is too long");
}
