using System.Collections.Concurrent;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Smtp.Tests.Support;

/// <summary>A session handler that records every call and answers as configured.</summary>
public sealed class RecordingHandler : ISmtpSessionHandler
{
    public SmtpReply? ConnectReply { get; set; }
    /// <summary>When set, decides at connect in place of <see cref="ConnectReply"/> (e.g. by client address).</summary>
    public Func<SessionContext, SmtpReply?>? ConnectReplyFor { get; set; }
    public Func<string, SmtpReply?>? RecipientReply { get; set; }
    public SmtpReply MessageReply { get; set; } = new(250, "2.0.0", "Queued as TEST");

    public ConcurrentQueue<ReceivedMessage> Messages { get; } = new();
    public ConcurrentQueue<SmtpRefusal> Refusals { get; } = new();
    public ConcurrentQueue<SessionContext> Sessions { get; } = new();
    public TaskCompletionSource<ReceivedMessage> FirstMessage { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ValueTask<SmtpReply?> OnConnectAsync(SessionContext session, CancellationToken cancellationToken)
    {
        Sessions.Enqueue(session);
        return ValueTask.FromResult(ConnectReplyFor is { } decide ? decide(session) : ConnectReply);
    }

    public ValueTask<SmtpReply?> OnMailFromAsync(SessionContext session, Envelope envelope, CancellationToken cancellationToken) =>
        ValueTask.FromResult<SmtpReply?>(null);

    public ValueTask<SmtpReply?> OnRecipientAsync(SessionContext session, Envelope envelope, string recipient, CancellationToken cancellationToken) =>
        ValueTask.FromResult(RecipientReply?.Invoke(recipient));

    public ValueTask<SmtpReply> OnMessageAsync(SessionContext session, Envelope envelope, MessageContent content, CancellationToken cancellationToken)
    {
        var message = new ReceivedMessage(envelope.MailFrom, [.. envelope.Recipients], envelope.Body, content.ToArray(),
            session.Helo, session.TlsProtocol?.ToString(), session.Transcript.ToString(), envelope);
        Messages.Enqueue(message);
        FirstMessage.TrySetResult(message);
        return ValueTask.FromResult(MessageReply);
    }

    public void OnRefused(SessionContext session, SmtpRefusal refusal) => Refusals.Enqueue(refusal);

    /// <summary>AUTH is offered (RFC 4954); off by default, as for a handler that does not implement it.</summary>
    public bool OffersAuth { get; set; }

    /// <summary>Decides AUTH from (mechanism, authzid, user, password); default: alice / s3cret! (authzid empty or alice) pass, else 535.</summary>
    public Func<string, string, string, string, SmtpReply?>? AuthReply { get; set; }

    /// <summary>Every credential the session handed over: (mechanism, authzid, user, password).</summary>
    public ConcurrentQueue<(string Mechanism, string AuthorizationId, string User, string Password)> Authentications { get; } = new();

    public bool IsAuthenticationOffered(SessionContext session) => OffersAuth;

    public ValueTask<SmtpReply?> OnAuthenticateAsync(SessionContext session, string mechanism, string authorizationId, string user, string password,
        CancellationToken cancellationToken)
    {
        Authentications.Enqueue((mechanism, authorizationId, user, password));
        var reply = AuthReply is { } decide ? decide(mechanism, authorizationId, user, password)
            : user == "alice" && password == "s3cret!" && authorizationId is "" or "alice" ? null : AuthReplies.InvalidCredentials;
        return ValueTask.FromResult(reply);
    }
}
