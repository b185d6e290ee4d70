namespace SmarthostLab.Smtp.Client;

/// <summary>
/// The session with the next hop is over (or never began): the connection failed, closed, timed out, sent a reply that
/// is not SMTP, answered 421, refused the greeting or EHLO, or TLS could not be had as required. The
/// <see cref="SmtpClientConnection"/> that threw it is closed. A refusal inside a transaction (a 4xx or 5xx to MAIL
/// FROM, RCPT TO or the message) is not an exception but a <see cref="TransactionResult"/>.
/// </summary>
public sealed class SmtpClientException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="stage">Where it happened.</param>
    /// <param name="message">What happened, in plain words, naming the peer.</param>
    /// <param name="reply">The reply that ended the session, when a reply did.</param>
    /// <param name="tlsFailure">True when TLS could not be had: not offered or refused when required, or a failed handshake or certificate check.</param>
    /// <param name="innerException">The socket, I/O or authentication error behind it, if any.</param>
    public SmtpClientException(SmtpClientFailureStage stage, string message, SmtpClientReply? reply = null, bool tlsFailure = false, Exception? innerException = null)
        : base(message, innerException)
    {
        Stage = stage;
        Reply = reply;
        TlsFailure = tlsFailure;
    }

    /// <summary>Where in the session it happened.</summary>
    public SmtpClientFailureStage Stage { get; }

    /// <summary>The reply that ended the session, e.g. a 421, a 554 greeting or a refused EHLO; null for a failure without one.</summary>
    public SmtpClientReply? Reply { get; }

    /// <summary>
    /// True when TLS could not be had: STARTTLS required but not offered or refused, or the handshake or certificate
    /// check failed. In <see cref="SmtpClientTls.Opportunistic"/> mode the caller may reconnect without TLS.
    /// </summary>
    public bool TlsFailure { get; }

    /// <summary>True when the peer closed or reset the connection (no reply, no timeout).</summary>
    internal bool ClosedByPeer { get; init; }
}
