namespace SmarthostLab.Smtp.Protocol;

/// <summary>
/// The fixed replies of the SMTP layer (RFC 5321 4.2, enhanced codes per RFC 3463 / RFC 2034).
/// Replies that name the host are built by <see cref="SmtpReplies"/> methods.
/// </summary>
public static class SmtpReplies
{
    /// <summary>250 2.0.0 OK (NOOP, RSET).</summary>
    public static readonly SmtpReply Ok = new(250, "2.0.0", "OK");
    /// <summary>250 2.1.0 Sender OK (MAIL FROM accepted).</summary>
    public static readonly SmtpReply SenderOk = new(250, "2.1.0", "Sender OK");
    /// <summary>250 2.1.5 Recipient OK (RCPT TO accepted).</summary>
    public static readonly SmtpReply RecipientOk = new(250, "2.1.5", "Recipient OK");
    /// <summary>354 for DATA (RFC 5321 4.1.1.4); RFC 2034 puts no enhanced code on 3xx intermediate replies.</summary>
    public static readonly SmtpReply StartMailInput = new(354, "", "Start mail input; end with <CRLF>.<CRLF>");
    /// <summary>252 2.5.0 for VRFY (RFC 5321 3.5.3).</summary>
    public static readonly SmtpReply CannotVerify = new(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
    /// <summary>214 2.0.0 for HELP.</summary>
    public static readonly SmtpReply Help = new(214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS (RFC 5321)");
    /// <summary>220 2.0.0 before the TLS handshake (RFC 3207 4).</summary>
    public static readonly SmtpReply ReadyToStartTls = new(220, "2.0.0", "Ready to start TLS");

    /// <summary>500 5.5.1 unknown command.</summary>
    public static readonly SmtpReply CommandUnrecognized = new(500, "5.5.1", "Command unrecognized");
    /// <summary>500 5.5.2 command line over 512 octets (RFC 5321 4.5.3.1.4).</summary>
    public static readonly SmtpReply CommandLineTooLong = new(500, "5.5.2", "Line too long (command lines are limited to 512 octets)");
    /// <summary>500 5.5.2 text line over 1000 octets in DATA (RFC 5321 4.5.3.1.6), sent after the end of data.</summary>
    public static readonly SmtpReply TextLineTooLong = new(500, "5.5.2", "Line too long (message text lines are limited to 1000 octets); message refused");
    /// <summary>501 5.5.4 syntax error in parameters or arguments.</summary>
    public static readonly SmtpReply SyntaxError = new(501, "5.5.4", "Syntax error in parameters or arguments");
    /// <summary>501 5.1.7 bad sender address syntax.</summary>
    public static readonly SmtpReply BadSenderSyntax = new(501, "5.1.7", "Bad sender address syntax");
    /// <summary>501 5.1.3 bad recipient address syntax.</summary>
    public static readonly SmtpReply BadRecipientSyntax = new(501, "5.1.3", "Bad recipient address syntax");
    /// <summary>503 5.5.1 bad sequence of commands.</summary>
    public static readonly SmtpReply BadSequence = new(503, "5.5.1", "Bad sequence of commands");

    /// <summary>DATA after MAIL when no RCPT was accepted (RFC 2920 3.1, RFC 5321 3.3).</summary>
    public static readonly SmtpReply NoValidRecipients = new(554, "5.5.1", "No valid recipients");
    /// <summary>503 5.5.1 DATA after MAIL FROM BODY=BINARYMIME (RFC 3030 3).</summary>
    public static readonly SmtpReply BinaryMimeRequiresBdat = new(503, "5.5.1", "BODY=BINARYMIME requires BDAT");
    /// <summary>503 5.5.1 STARTTLS on a connection already under TLS.</summary>
    public static readonly SmtpReply AlreadyTls = new(503, "5.5.1", "TLS already active");
    /// <summary>502 5.5.1 STARTTLS when no certificate is configured or it is disabled.</summary>
    public static readonly SmtpReply TlsNotAvailable = new(502, "5.5.1", "STARTTLS not available");
    /// <summary>503 5.7.1 any command but QUIT in a refused session (RFC 5321 3.1).</summary>
    public static readonly SmtpReply SessionRefused = new(503, "5.7.1", "Session refused; only QUIT is accepted");
    /// <summary>552 5.3.4 message too big (SIZE at MAIL, or while reading DATA/BDAT).</summary>
    public static readonly SmtpReply MessageTooBig = new(552, "5.3.4", "Message size exceeds fixed maximum message size");
    /// <summary>452 4.5.3 one recipient past the limit (RFC 5321 4.5.3.1.10).</summary>
    public static readonly SmtpReply TooManyRecipients = new(452, "4.5.3", "Too many recipients");
    /// <summary>550 5.6.11 bare LF in DATA under the Reject policy.</summary>
    public static readonly SmtpReply BareLineFeed = new(550, "5.6.11", "Bare LF in message data is not allowed, lines must end with CRLF (SMTP smuggling protection)");
    /// <summary>555 5.5.4 unrecognised MAIL/RCPT parameter (RFC 5321 4.1.1.11).</summary>
    public static readonly SmtpReply UnsupportedParameter = new(555, "5.5.4", "MAIL FROM/RCPT TO parameters not recognized or not implemented");
    /// <summary>553 5.6.7 non-ASCII address without SMTPUTF8 (RFC 6531 3.5).</summary>
    public static readonly SmtpReply Utf8AddressWithoutSmtpUtf8 = new(553, "5.6.7", "Non-ASCII address requires the SMTPUTF8 parameter on MAIL FROM");
    /// <summary>451 4.3.0 when the session handler failed unexpectedly.</summary>
    public static readonly SmtpReply TemporaryFailure = new(451, "4.3.0", "Temporary server error, please try again later");

    /// <summary>220 greeting (no enhanced code, RFC 2034 3).</summary>
    public static SmtpReply Greeting(string host) => new(220, "", $"{host} ESMTP SmarthostLab ready");
    /// <summary>221 2.0.0 after QUIT.</summary>
    public static SmtpReply Closing(string host) => new(221, "2.0.0", $"{host} closing connection");
    /// <summary>421 4.4.2 command or data timeout.</summary>
    public static SmtpReply Timeout(string host) => new(421, "4.4.2", $"{host} timeout, closing connection");
    /// <summary>421 4.7.0 too many bad commands.</summary>
    public static SmtpReply TooManyBadCommands(string host) => new(421, "4.7.0", $"{host} too many bad commands, closing connection");
    /// <summary>421 4.3.2 graceful shutdown.</summary>
    public static SmtpReply ShuttingDown(string host) => new(421, "4.3.2", $"{host} service shutting down");
    /// <summary>421 4.7.0 total connection limit.</summary>
    public static SmtpReply TooManyConnections(string host) => new(421, "4.7.0", $"{host} too many connections, try again later");
    /// <summary>421 4.7.0 per-IP connection limit.</summary>
    public static SmtpReply TooManyConnectionsFrom(string host, string ip) => new(421, "4.7.0", $"{host} too many connections from {ip}, try again later");
    /// <summary>552 5.3.4: the header section passed Smtp:MaxHeaderSize (RFC 3463 5.3.4, as Exchange answers its MaxHeaderSize).</summary>
    public static SmtpReply HeaderTooBig(long maxHeaderSize) => new(552, "5.3.4", $"Message header exceeds Smtp:MaxHeaderSize ({maxHeaderSize} octets)");
    /// <summary>452 4.3.1: the message could not be written to the spool (RFC 3463 4.3.1 mail system full).</summary>
    public static readonly SmtpReply SpoolFailed = new(452, "4.3.1", "Insufficient system storage, please try again later");
    /// <summary>421 4.3.0 greeting when the handler failed at connect.</summary>
    public static SmtpReply ConnectFailure(string host) => new(421, "4.3.0", $"{host} temporary server error, closing connection");
}
