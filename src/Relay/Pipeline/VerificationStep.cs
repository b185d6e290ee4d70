using System.Text;
using Microsoft.Extensions.Logging;
using MimeKit;
using SmarthostLab.Relay.Admission;
using SmarthostLab.Relay.Diagnostics;
using SmarthostLab.Relay.Storage;
using SmarthostLab.Smtp.Session;
using SmarthostLab.Verification;
using SmarthostLab.Verification.AuthResults;
using SmarthostLab.Verification.Dmarc;

namespace SmarthostLab.Relay.Pipeline;

/// <summary>
/// The relay's <see cref="IMessageVerificationStep"/> (issue 3). At MAIL FROM it starts SPF for the client IP
/// and the egress address (so DNS overlaps the DATA transfer). At the end of data it removes incoming
/// Authentication-Results claiming our authserv-id (RFC 8601 5), DKIM-signs with the account's key for the
/// From domain, verifies the message as it will be stored (so our own signature counts, as at the receivers),
/// and applies the account's <c>DmarcFailurePolicy</c> (<see cref="PolicyDecision"/>).
/// </summary>
/// <remarks>
/// Stored layout: <c>Authentication-Results</c> (ours), <c>Received</c> (the relay's), <c>DKIM-Signature</c>
/// (ours, when signed), then the message as sent minus forged Authentication-Results. The signature covers
/// only the content below it, so the trace fields above do not disturb it.
/// </remarks>
public sealed class VerificationStep : IMessageVerificationStep
{
    private readonly Lazy<MessageVerifier> _lazyVerifier;
    private readonly Lazy<DkimSigners> _lazySigners;
    private readonly ILogger<VerificationStep> _logger;
    private readonly RelayMetrics? _metrics;

    /// <summary>
    /// Creates the step. The verifier and the keys are built on first use (the hosted <c>VerificationStartup</c>
    /// forces that at start, after options validation): the SMTP listener resolves this step while Kestrel is
    /// configured, before validation could name a bad key.
    /// </summary>
    public VerificationStep(Lazy<MessageVerifier> verifier, Lazy<DkimSigners> signers, ILogger<VerificationStep> logger, RelayMetrics? metrics = null)
    {
        _metrics = metrics;
        _lazyVerifier = verifier;
        _lazySigners = signers;
        _logger = logger;
    }

    private MessageVerifier Verifier => _lazyVerifier.Value;

    private DkimSigners Signers => _lazySigners.Value;

    /// <summary>Builds the verifier (zone files, DNS) and loads the keys now.</summary>
    public void Initialize()
    {
        _ = Signers;
        VerificationLog.Started(_logger, Verifier.AuthServId, Verifier.EgressAddress?.ToString() ?? "client IP");
    }

    /// <inheritdoc />
    public ValueTask OnMailFromAsync(SessionContext session, Envelope envelope, Account account, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(envelope);
        envelope.HandlerState = new VerificationTransaction(Verifier.StartSpf(session.RemoteIp, session.Helo ?? "", envelope.MailFrom, cancellationToken));
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask<VerificationOutcome> OnMessageAsync(MessageVerificationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var spf = context.Envelope.HandlerState is VerificationTransaction transaction
            ? transaction.Spf
            : Verifier.StartSpf(context.Session.RemoteIp, context.Session.Helo ?? "", context.Envelope.MailFrom, cancellationToken);

        // The message is read where it lies (the session's buffer); its header section was parsed once, and what the
        // relay changes (a forged Authentication-Results removed, its DKIM-Signature added) changes only that section.
        await using var message = context.Content.OpenRead();
        var headers = context.Headers;
        byte[]? rewritten = null;
        if (AuthenticationResultsFilter.ClaimsOwn(headers.Headers, Verifier.AuthServId))
        {
            rewritten = RemoveForged(context, message, out var kept);
            headers = headers.WithHeaders(kept);
        }
        var signature = Sign(context, headers, message);
        var verified = signature is null ? headers : headers.WithHeaders(Prepend(signature, headers.Headers));
        var result = await Verifier.VerifyAsync(verified, message, spf, cancellationToken).ConfigureAwait(false);

        var decision = PolicyDecision.Decide(result, context.Account.Options.DmarcFailurePolicy);
        var verdict = result.ToVerdict(decision.Action);
        _metrics?.Verified(verdict);
        if (_logger.IsEnabled(LogLevel.Information))
            VerificationLog.Verified(_logger, context.QueueId, VerdictJson.Word(verdict.Spf.Result), VerdictJson.DkimWord(verdict),
                VerdictJson.Word(verdict.Dmarc.Result), verdict.Dmarc.FromDomain, VerdictJson.Word(verdict.Action));
        if (decision.Reject is { } reject)
            return new VerificationOutcome { Verdict = verdict, Reject = reject, RejectReason = decision.Reason };
        return new VerificationOutcome
        {
            Verdict = verdict,
            PrependHeaders = result.AuthenticationResults,
            InsertHeaders = signature ?? "",
            RewrittenHeaderSection = rewritten,
            Quarantine = decision.Action == VerdictAction.Quarantine,
        };
    }

    /// <summary>
    /// The header section without Authentication-Results fields claiming our authserv-id (RFC 8601 5): its octets
    /// (at most <c>Smtp:MaxHeaderSize</c>) and its fields.
    /// </summary>
    private byte[] RemoveForged(MessageVerificationContext context, Stream message, out IReadOnlyList<Header> kept)
    {
        var section = new byte[context.Headers.BodyOffset];
        message.Position = 0;
        message.ReadExactly(section);
        var cleaned = AuthenticationResultsFilter.RemoveOwn(section, Verifier.AuthServId, out var removed);
        if (removed > 0) VerificationLog.ForgedRemoved(_logger, context.QueueId, removed, Verifier.AuthServId);
        kept = AuthenticationResultsFilter.WithoutOwn(context.Headers.Headers, Verifier.AuthServId);
        return cleaned.ToArray();
    }

    /// <summary>The DKIM-Signature field (ending in CRLF) of the account's key for the From domain, or null.</summary>
    private string? Sign(MessageVerificationContext context, HeaderSection headers, Stream message)
    {
        if (!Signers.HasKeys(context.Account.Name)) return null;
        if (Signers.Find(context.Account.Name, AuthorDomain.From(headers.Headers).Domain) is not { } signer) return null;
        try
        {
            return signer.Sign(headers, message);
        }
        catch (FormatException exception)
        {
            VerificationLog.SignFailed(_logger, context.QueueId, signer.Key.Domain, exception.Message);
            return null;
        }
    }

    /// <summary>The fields as stored: <paramref name="field"/> (one whole field, CRLF included) above <paramref name="headers"/>.</summary>
    private static Header[] Prepend(string field, IReadOnlyList<Header> headers) =>
        [HeaderSection.Parse(Encoding.ASCII.GetBytes(field)).Headers[0], .. headers];
}
