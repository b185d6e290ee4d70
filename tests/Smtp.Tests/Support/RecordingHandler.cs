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
    /// <summary>When set, answers <see cref="ISmtpSessionHandler.RefusesAtConnect"/> (the limiter's question before counting).</summary>
    public Func<System.Net.IPAddress, bool>? RefusesAtConnectFor { get; set; }
    /// <summary>When set, awaited at connect before deciding (a handler that takes its time).</summary>
    public Func<SessionContext, Task>? BeforeConnect { get; set; }
    public SmtpReply MessageReply { get; set; } = new(250, "2.0.0", "Queued as TEST");

    public ConcurrentQueue<ReceivedMessage> Messages { get; } = new();
    public ConcurrentQueue<SmtpRefusal> Refusals { get; } = new();
    public ConcurrentQueue<SessionContext> Sessions { get; } = new();
    public TaskCompletionSource<ReceivedMessage> FirstMessage { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask<SmtpReply?> OnConnectAsync(SessionContext session, CancellationToken cancellationToken)
    {
        Sessions.Enqueue(session);
        if (BeforeConnect is { } wait) await wait(session);
        return ConnectReplyFor is { } decide ? decide(session) : ConnectReply;
    }

    public bool RefusesAtConnect(System.Net.IPAddress remote) => RefusesAtConnectFor?.Invoke(remote) ?? false;

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

    /// <summary>Decides the fault of each stage (issue 14); null: none. Every stage asked is recorded in <see cref="Stages"/>.</summary>
    public Func<SmtpStage, SmtpStageInput, SmtpFault?>? Fault { get; set; }

    public ConcurrentQueue<(SmtpStage Stage, SmtpStageInput Input)> Stages { get; } = new();

    public ValueTask<SmtpFault?> OnStageAsync(SessionContext session, SmtpStage stage, SmtpStageInput input, CancellationToken cancellationToken)
    {
        Stages.Enqueue((stage, input));
        return ValueTask.FromResult(Fault?.Invoke(stage, input));
    }

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
