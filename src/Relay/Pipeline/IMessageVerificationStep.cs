using SmarthostLab.Relay.Admission;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Relay.Pipeline;

/// <summary>
/// The seam for issue 3 (SPF/DKIM/DMARC): started at MAIL FROM (so SPF's DNS time overlaps the DATA
/// transfer; keep per-transaction state in <see cref="Envelope.HandlerState"/>), finished at the end of data,
/// where it may prepend headers, rewrite, quarantine or reject. Register one in DI to replace the no-op default.
/// </summary>
public interface IMessageVerificationStep
{
    /// <summary>MAIL FROM was accepted for <paramref name="account"/>; start background work. Must not throw for expected failures.</summary>
    ValueTask OnMailFromAsync(SessionContext session, Envelope envelope, Account account, CancellationToken cancellationToken);

    /// <summary>The message arrived; decide.</summary>
    ValueTask<VerificationOutcome> OnMessageAsync(MessageVerificationContext context, CancellationToken cancellationToken);
}
