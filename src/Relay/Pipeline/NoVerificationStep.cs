using SmarthostLab.Relay.Admission;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Relay.Pipeline;

/// <summary>The default <see cref="IMessageVerificationStep"/>: verifies nothing, stores every message as is.</summary>
public sealed class NoVerificationStep : IMessageVerificationStep
{
    /// <inheritdoc />
    public ValueTask OnMailFromAsync(SessionContext session, Envelope envelope, Account account, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public ValueTask<VerificationOutcome> OnMessageAsync(MessageVerificationContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(VerificationOutcome.None);
}
