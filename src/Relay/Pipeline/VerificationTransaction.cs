using SmarthostLab.Verification;

namespace SmarthostLab.Relay.Pipeline;

/// <summary>
/// Per-transaction state of <see cref="VerificationStep"/>, kept in <c>Envelope.HandlerState</c>: the SPF
/// evaluations started at MAIL FROM, awaited at the end of data.
/// </summary>
/// <param name="Spf">The running SPF checks.</param>
internal sealed record VerificationTransaction(SpfChecks Spf);
