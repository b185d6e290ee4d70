using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;
using MimeKit;
using SmarthostLab.Relay.Admission;
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

    /// <summary>
    /// Creates the step. The verifier and the keys are built on first use (the hosted <c>VerificationStartup</c>
    /// forces that at start, after options validation): the SMTP listener resolves this step while Kestrel is
    /// configured, before validation could name a bad key.
    /// </summary>
    public VerificationStep(Lazy<MessageVerifier> verifier, Lazy<DkimSigners> signers, ILogger<VerificationStep> logger)
    {
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

        VerificationResult result;
        HeaderList? headers = null;
        byte[]? rewritten = null;
        if (!Signers.HasKeys(context.Account.Name)
            && await VerifyInPlaceAsync(context, spf, cancellationToken).ConfigureAwait(false) is { } inPlace)
        {
            // The usual case: nothing to sign or remove, the message was verified where it lies (no copy).
            (result, headers) = inPlace;
        }
        else
        {
            // Signing or removing a forged Authentication-Results rewrites the bytes: one contiguous copy.
            var received = context.Content.ToArray();
            var content = AuthenticationResultsFilter.RemoveOwn(received, Verifier.AuthServId, out var removed);
            if (removed > 0) VerificationLog.ForgedRemoved(_logger, context.QueueId, removed, Verifier.AuthServId);
            var stored = Sign(context, content) is { } signed ? signed : content;
            result = await Verifier.VerifyAsync(stored, spf, cancellationToken).ConfigureAwait(false);
            rewritten = AsArray(stored);
        }

        var decision = PolicyDecision.Decide(result, context.Account.Options.DmarcFailurePolicy);
        var verdict = result.ToVerdict(decision.Action);
        if (_logger.IsEnabled(LogLevel.Information))
            VerificationLog.Verified(_logger, context.QueueId, VerdictJson.Word(verdict.Spf.Result), VerdictJson.DkimWord(verdict),
                VerdictJson.Word(verdict.Dmarc.Result), verdict.Dmarc.FromDomain, VerdictJson.Word(verdict.Action));
        if (decision.Reject is { } reject)
            return new VerificationOutcome { Verdict = verdict, Reject = reject, RejectReason = decision.Reason };
        return new VerificationOutcome
        {
            Verdict = verdict,
            PrependHeaders = result.AuthenticationResults,
            RewrittenContent = rewritten,
            Headers = headers,
            Quarantine = decision.Action == VerdictAction.Quarantine,
        };
    }

    /// <summary>
    /// Verifies the message in the session's pooled buffer; null when it holds an Authentication-Results
    /// claiming our authserv-id, which must be removed first (RFC 8601 5).
    /// </summary>
    private async Task<(VerificationResult, HeaderList)?> VerifyInPlaceAsync(MessageVerificationContext context, SpfChecks spf, CancellationToken cancellationToken)
    {
        await using var stream = context.Content.OpenRead();
        HeaderSection.TryRead(stream, long.MaxValue, out var section);
        if (AuthenticationResultsFilter.ClaimsOwn(section.Headers, Verifier.AuthServId)) return null;
        return (await Verifier.VerifyAsync(section, stream, spf, cancellationToken).ConfigureAwait(false), section.Headers);
    }

    private byte[]? Sign(MessageVerificationContext context, ReadOnlyMemory<byte> content)
    {
        if (!Signers.HasKeys(context.Account.Name)) return null;
        string? fromDomain;
        try
        {
            using var stream = Open(content);
            fromDomain = AuthorDomain.From(new MimeParser(stream, MimeFormat.Entity).ParseHeaders()).Domain;
        }
        catch (FormatException)
        {
            return null; // no header section: nothing to sign for; verification reports it.
        }
        if (Signers.Find(context.Account.Name, fromDomain) is not { } signer) return null;
        try
        {
            return signer.SignAndPrepend(content);
        }
        catch (FormatException exception)
        {
            VerificationLog.SignFailed(_logger, context.QueueId, signer.Key.Domain, exception.Message);
            return null;
        }
    }

    /// <summary>The array behind <paramref name="memory"/> when it spans all of one (always, here), else a copy.</summary>
    private static byte[] AsArray(ReadOnlyMemory<byte> memory) =>
        MemoryMarshal.TryGetArray(memory, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : memory.ToArray();

    private static MemoryStream Open(ReadOnlyMemory<byte> memory) =>
        MemoryMarshal.TryGetArray(memory, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(memory.ToArray(), writable: false);
}
