using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Bench.Session;

/// <summary>A handler that accepts everything at once and keeps nothing: the session's own cost alone.</summary>
internal sealed class NoOpSessionHandler : ISmtpSessionHandler
{
    private static readonly SmtpReply Queued = new(250, "2.0.0", "Queued");

    /// <inheritdoc />
    public ValueTask<SmtpReply?> OnConnectAsync(SessionContext session, CancellationToken cancellationToken) => ValueTask.FromResult<SmtpReply?>(null);

    /// <inheritdoc />
    public ValueTask<SmtpReply?> OnMailFromAsync(SessionContext session, Envelope envelope, CancellationToken cancellationToken) => ValueTask.FromResult<SmtpReply?>(null);

    /// <inheritdoc />
    public ValueTask<SmtpReply?> OnRecipientAsync(SessionContext session, Envelope envelope, string recipient, CancellationToken cancellationToken) => ValueTask.FromResult<SmtpReply?>(null);

    /// <inheritdoc />
    public ValueTask<SmtpReply> OnMessageAsync(SessionContext session, Envelope envelope, MessageContent content, CancellationToken cancellationToken) => ValueTask.FromResult(Queued);

    /// <inheritdoc />
    public void OnRefused(SessionContext session, SmtpRefusal refusal)
    {
    }
}
