using SmarthostLab.Smtp.Protocol;

namespace SmarthostLab.Smtp.Session;

/// <summary>
/// The edge between the SMTP protocol and whatever hosts it (the relay, a test, a benchmark).
/// The session calls these at each stage; a null reply means "proceed with the default positive reply".
/// Handlers must not throw for expected refusals: return the reply instead. An exception is logged
/// by the session and answered with 451 4.3.0 (at connect: 421 4.3.0, the only valid refusal there, and the connection closes).
/// </summary>
public interface ISmtpSessionHandler
{
    /// <summary>
    /// A connection arrived. Return null to greet with 220, or a refusal reply (e.g. 554 5.7.1) to send
    /// in place of the greeting (and set <see cref="SessionContext.RefusalReason"/> to count it under a reason);
    /// the session then answers every command but QUIT with 503 5.7.1 and closes after QUIT, after the first
    /// burst of other commands, or a short timeout (RFC 5321 3.1). A 421 (a limit: try again later) is sent and the
    /// connection closed at once (RFC 5321 3.8).
    /// </summary>
    ValueTask<SmtpReply?> OnConnectAsync(SessionContext session, CancellationToken cancellationToken);

    /// <summary>
    /// Asked as a connection arrives, before it is counted: true when <see cref="OnConnectAsync"/> will refuse this client
    /// (an address no account registers). Such a connection is counted in the refused budget
    /// (<see cref="SmtpOptions.MaxRefusedConnections"/>) from the start and never takes a slot of
    /// <see cref="SmtpOptions.MaxConnections"/>, so no number of them can lock admitted clients out. Must be cheap (a
    /// lookup); default false.
    /// </summary>
    bool RefusesAtConnect(System.Net.IPAddress remote) => false;

    /// <summary>MAIL FROM passed syntax and size checks. Return null for 250 2.1.0, or a refusal.</summary>
    ValueTask<SmtpReply?> OnMailFromAsync(SessionContext session, Envelope envelope, CancellationToken cancellationToken);

    /// <summary>
    /// RCPT TO passed syntax and limit checks. Return null for 250 2.1.5 (the recipient is then added, with its
    /// NOTIFY/ORCPT parameters in <see cref="Envelope.RecipientParameters"/>), or a refusal.
    /// </summary>
    ValueTask<SmtpReply?> OnRecipientAsync(SessionContext session, Envelope envelope, string recipient, CancellationToken cancellationToken);

    /// <summary>
    /// The whole message arrived (end of DATA, or BDAT LAST), dot-unstuffed, exactly as sent otherwise.
    /// The reply is sent to the client as is: a 250 must only be returned once the message is durable.
    /// The content is only valid until this call's task completes.
    /// </summary>
    ValueTask<SmtpReply> OnMessageAsync(SessionContext session, Envelope envelope, MessageContent content, CancellationToken cancellationToken);

    /// <summary>
    /// The session itself refused something (size, line length, too many recipients, timeouts,
    /// connection limits, bad sequence…): recorded so an admin can see why mail did not arrive.
    /// Called synchronously; must be cheap and must not throw.
    /// </summary>
    void OnRefused(SessionContext session, SmtpRefusal refusal);

    /// <summary>
    /// Whether SMTP AUTH (RFC 4954) is offered to <paramref name="session"/>: EHLO then lists <c>AUTH PLAIN LOGIN</c>
    /// (under TLS, or anywhere with <see cref="SmtpOptions.AllowAuthWithoutTls"/>) and MAIL FROM takes <c>AUTH=</c>.
    /// Default false: AUTH gets 502 5.5.1.
    /// </summary>
    bool IsAuthenticationOffered(SessionContext session) => false;

    /// <summary>
    /// The client sent credentials with AUTH (PLAIN or LOGIN, decoded). Return null for 235 2.7.0 (then
    /// <see cref="SessionContext.AuthenticatedUser"/> is <paramref name="user"/>), or a refusal: 535 5.7.8 bad
    /// credentials, 454 4.7.0 temporary failure, 421 (the connection is closed after it). A 5xx counts as a bad
    /// command (<see cref="SmtpOptions.MaxBadCommands"/>), as at MAIL and RCPT; record the refusal here. The password
    /// is never written to the transcript. Default: 535 5.7.8.
    /// </summary>
    /// <param name="session">The session.</param>
    /// <param name="mechanism">PLAIN or LOGIN.</param>
    /// <param name="authorizationId">PLAIN's authzid (RFC 4616), empty when none was given (always for LOGIN).</param>
    /// <param name="user">The authentication identity.</param>
    /// <param name="password">The password.</param>
    /// <param name="cancellationToken">The connection is gone.</param>
    ValueTask<SmtpReply?> OnAuthenticateAsync(SessionContext session, string mechanism, string authorizationId, string user, string password,
        CancellationToken cancellationToken) => ValueTask.FromResult<SmtpReply?>(AuthReplies.InvalidCredentials);

    /// <summary>
    /// The session ended, however it ended (QUIT, a limit, a timeout, the client gone): release what the connection held.
    /// Called once, after the last reply; must be cheap and must not throw.
    /// </summary>
    void OnClosed(SessionContext session)
    {
    }

    /// <summary>
    /// Fault injection (issue 14): called at each <see cref="SmtpStage"/> before the session answers it. Return null
    /// (the default) for the normal behaviour, or an <see cref="SmtpFault"/> to apply there. The handler records its
    /// own faults; the session counts the refusing ones in <c>smtp.refusals</c> under
    /// <see cref="SessionContext.RefusalReason"/> (else "fault") and does not call <see cref="OnRefused"/> for them.
    /// An exception is logged and the stage goes on as without a fault. Called on every stage of every session:
    /// with nothing to inject it should return at once without allocating.
    /// </summary>
    ValueTask<SmtpFault?> OnStageAsync(SessionContext session, SmtpStage stage, SmtpStageInput input, CancellationToken cancellationToken) => default;
}

/// <summary>One refusal by the SMTP layer or the handler.</summary>
/// <param name="Stage">proxy, connect, helo, mail, rcpt, data, bdat, starttls, auth, command, session.</param>
/// <param name="Reply">The reply sent.</param>
/// <param name="Reason">Short machine-friendly reason, e.g. "message-size", "line-too-long", "timeout".</param>
public sealed record SmtpRefusal(string Stage, SmtpReply Reply, string Reason)
{
    /// <summary>
    /// False when nothing was sent: the connection was closed without a reply (a PROXY protocol refusal, stage
    /// <c>proxy</c>), and <see cref="Reply"/>'s text only says why. Default true.
    /// </summary>
    public bool Sent { get; init; } = true;
}
