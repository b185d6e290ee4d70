using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmarthostLab.Relay.Admission;
using SmarthostLab.Relay.Authentication;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Delivery;
using SmarthostLab.Relay.Limits;
using SmarthostLab.Relay.Pipeline;
using SmarthostLab.Relay.Storage;
using SmarthostLab.Smtp;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Server;
using SmarthostLab.Smtp.Session;
using SmarthostLab.Verification;

namespace SmarthostLab.Relay.Session;

/// <summary>
/// The relay's <see cref="ISmtpSessionHandler"/>: admission by registered outbound servers (at connect or RCPT)
/// and SMTP AUTH (<see cref="RelayAuthentication"/>, as <c>Admission:Mode</c> says), the account's sender-domain
/// policy at MAIL, verification (<see cref="IMessageVerificationStep"/>), the Received header, and a durable store
/// before the 250. Every refusal is recorded.
/// </summary>
public sealed partial class RelaySessionHandler : ISmtpSessionHandler
{
    /// <summary>Refusals of one session logged one by one; the store still records each.</summary>
    private const int MaxLoggedRefusals = 10;

    /// <summary>Refusal lines of all sessions together: a connection flood is one line a connection otherwise.</summary>
    private readonly LogThrottle _refusalLog = new(20);

    private readonly AccountRegistry _accounts;
    private readonly AdmissionOptions _admission;
    private readonly IMessageStore _store;
    private readonly IMessageVerificationStep _verification;
    private readonly TimeProvider _time;
    private readonly ILogger<RelaySessionHandler> _logger;
    private readonly DeliveryRouter _router;
    private readonly QueuedContent _queued;
    private readonly string _hostName;
    private readonly long _maxHeaderSize;
    private readonly RateLimits _limits;
    private readonly Greylist _greylist;
    private readonly RelayAuthentication _authentication;
    private readonly Faults.FaultInjector _faults;

    /// <summary>Creates the handler.</summary>
    public RelaySessionHandler(
        AccountRegistry accounts,
        IOptions<AdmissionOptions> admission,
        RelayHostName hostName,
        IMessageStore store,
        IMessageVerificationStep verification,
        TimeProvider time,
        ILogger<RelaySessionHandler> logger,
        DeliveryRouter router,
        IOptions<SmtpOptions> smtp,
        QueuedContent queued,
        RateLimits limits,
        Greylist greylist,
        RelayAuthentication authentication,
        Faults.FaultInjector faults)
    {
        _authentication = authentication;
        _limits = limits;
        _greylist = greylist;
        _faults = faults;
        _maxHeaderSize = smtp.Value.MaxHeaderSize;
        _router = router;
        _queued = queued;
        _accounts = accounts;
        _admission = admission.Value;
        _store = store;
        _verification = verification;
        _time = time;
        _logger = logger;
        _hostName = hostName.Value;
    }

    /// <inheritdoc />
    public bool RefusesAtConnect(System.Net.IPAddress remote) =>
        RefusesUnregisteredAtConnect && _accounts.Find(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote) is null;

    /// <summary>An unregistered client gets 554 in place of the greeting: <c>Admission:RefuseAt=Connect</c> and no AUTH mode that greets it.</summary>
    private bool RefusesUnregisteredAtConnect => _admission.RefuseAt == RefuseAt.Connect && !_authentication.GreetsUnregistered;

    /// <inheritdoc />
    public ValueTask<SmtpReply?> OnConnectAsync(SessionContext session, CancellationToken cancellationToken)
    {
        var account = _accounts.Find(session.RemoteIp);
        var state = new RelaySessionState { Account = account };
        session.HandlerState = state;
        if (account is null && RefusesUnregisteredAtConnect)
        {
            var reply = RelayReplies.UnregisteredAtConnect(session.RemoteIp);
            session.Refused = true;
            Record(session, "connect", reply, "unregistered-ip");
            return ValueTask.FromResult<SmtpReply?>(reply);
        }
        if (_limits.OnConnect(session.RemoteIp, account, out var lease) is { } denied)
        {
            Record(session, "connect", denied.Reply, denied.Reason);
            return ValueTask.FromResult<SmtpReply?>(denied.Reply);
        }
        state.ConnectionLease = lease;
        return ValueTask.FromResult<SmtpReply?>(null);
    }

    /// <inheritdoc />
    public async ValueTask<SmtpReply?> OnMailFromAsync(SessionContext session, Envelope envelope, CancellationToken cancellationToken)
    {
        var state = State(session);
        state.MailFrom = envelope.MailFrom;
        if (_authentication.RequiredReply(session, state.Account) is { } required)
        {
            Record(session, "mail", required, "auth-required");
            return required;
        }
        if (AccountOf(session, state) is not { } account) return null;
        if (account.Options.MailFromPolicy == MailFromPolicy.Reject && envelope.MailFrom.Length > 0)
        {
            var at = envelope.MailFrom.LastIndexOf('@');
            var domain = at < 0 ? "" : envelope.MailFrom[(at + 1)..];
            if (!account.OwnsDomain(domain))
            {
                var reply = RelayReplies.SenderDomainRefused(domain.Length == 0 ? envelope.MailFrom : domain, account.Name);
                Record(session, "mail", reply, "sender-domain");
                return reply;
            }
        }
        if (_limits.OnMail(account, envelope.DeclaredSize) is { } denied)
        {
            Record(session, "mail", denied.Reply, denied.Reason);
            return denied.Reply;
        }
        await _verification.OnMailFromAsync(session, envelope, account, cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <inheritdoc />
    public ValueTask<SmtpReply?> OnRecipientAsync(SessionContext session, Envelope envelope, string recipient, CancellationToken cancellationToken)
    {
        if (AccountOf(session, State(session)) is not { } account)
        {
            var denied = RelayReplies.RelayingDenied(session.RemoteIp);
            Record(session, "rcpt", denied, "unregistered-ip", recipient);
            return ValueTask.FromResult<SmtpReply?>(denied);
        }
        // Greylisting first: a recipient it holds back takes no token of the account's recipient rate.
        if (_greylist.AppliesTo(account) && _greylist.Check(session.RemoteIp, envelope.MailFrom, recipient, out _) is { } greylisted)
        {
            Record(session, "rcpt", greylisted, "greylisted", recipient);
            return ValueTask.FromResult<SmtpReply?>(greylisted);
        }
        if (_limits.OnRecipient(account) is { } limited)
        {
            Record(session, "rcpt", limited.Reply, limited.Reason, recipient);
            return ValueTask.FromResult<SmtpReply?>(limited.Reply);
        }
        return ValueTask.FromResult<SmtpReply?>(null);
    }

    /// <inheritdoc />
    public async ValueTask<SmtpReply> OnMessageAsync(SessionContext session, Envelope envelope, MessageContent content, CancellationToken cancellationToken)
    {
        var state = State(session);
        if (AccountOf(session, state) is not { } account)
        {
            var denied = RelayReplies.RelayingDenied(session.RemoteIp);
            Record(session, "data", denied, "unregistered-ip");
            return denied;
        }
        if (_limits.OnMessage(account, content.Length) is { } limited)
        {
            Record(session, "data", limited.Reply, limited.Reason);
            return limited.Reply;
        }
        var now = _time.GetUtcNow();
        var queueId = QueueId.New(now);

        // The header section is parsed here, once, for everything that reads it (summary, signing, verification).
        // The SMTP layer has refused a section over Smtp:MaxHeaderSize already; a handler must not rely on it.
        HeaderSection section;
        await using (var stream = content.OpenRead())
        {
            if (!HeaderSection.TryRead(stream, _maxHeaderSize, out section))
            {
                var tooBig = SmtpReplies.HeaderTooBig(_maxHeaderSize);
                Record(session, "data", tooBig, "header-size");
                return tooBig;
            }
        }
        var outcome = await _verification.OnMessageAsync(
            new MessageVerificationContext(session, envelope, content, section, account, queueId, _hostName), cancellationToken).ConfigureAwait(false);
        if (outcome.Reject is { } reject)
        {
            Record(session, "policy", reject, outcome.RejectReason ?? "policy");
            return reject;
        }
        var headers = HeaderSummary.Of(section.Headers);

        // No whole-message copy: the store writes the relay's headers (and a rewritten header section), then the message
        // where it lies (the session's buffer, valid until this method returns). A message without a header section gets
        // the empty line that ends the relay's headers, so all of it stays body, as it was sent.
        var received = ReceivedHeader.Format(session, envelope, _hostName, queueId, now);
        var rewritten = outcome.RewrittenHeaderSection ?? [];
        var separator = section.IsPresent ? ""u8 : "\r\n"u8;
        var raw = new byte[Encoding.UTF8.GetByteCount(outcome.PrependHeaders) + Encoding.UTF8.GetByteCount(received)
            + Encoding.ASCII.GetByteCount(outcome.InsertHeaders) + rewritten.Length + separator.Length];
        var written = Encoding.UTF8.GetBytes(outcome.PrependHeaders, raw);
        written += Encoding.UTF8.GetBytes(received, raw.AsSpan(written));
        written += Encoding.ASCII.GetBytes(outcome.InsertHeaders, raw.AsSpan(written));
        rewritten.CopyTo(raw.AsSpan(written));
        separator.CopyTo(raw.AsSpan(written + rewritten.Length));
        await using var tail = content.OpenRead();
        if (outcome.RewrittenHeaderSection is not null) tail.Position = section.BodyOffset;
        section = null!; // the parsed fields need not stay alive while the store commits

        var verdict = outcome.Verdict;
        var metadata = new StoredMessage
        {
            Id = queueId,
            Account = account.Name,
            ClientIp = session.RemoteIp.ToString(),
            Helo = session.Helo,
            TlsProtocol = session.TlsProtocol?.ToString(),
            TlsCipher = session.TlsCipher,
            AuthenticatedUser = session.AuthenticatedUser,
            MailFrom = envelope.MailFrom,
            MailFromParameters = string.Join(' ', envelope.MailFromParameters.Select(p => p.Value is null ? p.Key : $"{p.Key}={p.Value}")),
            Recipients = [.. envelope.Recipients],
            RecipientParameters = [.. envelope.Recipients.Select((_, i) => envelope.ParametersOf(i))],
            Size = raw.LongLength + tail.Length - tail.Position,
            ReceivedAt = now,
            Subject = headers.Subject,
            MessageId = headers.MessageId,
            From = headers.From,
            Quarantined = outcome.Quarantine,
            VerdictJson = verdict is null ? null : VerdictJson.Serialize(verdict),
            Spf = verdict is null ? null : VerdictJson.Word(verdict.Spf.Result),
            Dkim = verdict is null ? null : VerdictJson.DkimWord(verdict),
            Dmarc = verdict is null ? null : VerdictJson.Word(verdict.Dmarc.Result),
            Action = verdict is null ? null : VerdictJson.Word(verdict.Action),
        };
        var outbound = _router.Plan(metadata);
        // One destination: its first attempt sends the bytes from memory instead of reading them back (bounded).
        if (outbound.Count == 1) outbound[0].Content = _queued.TryCopy(raw, tail);
        try
        {
            // Not cancelled by the session: once queued, the write completes and the client hears about it.
            // In a relaying mode the queue entries are written in the same commit: the 250 means queued for delivery.
            await _store.AddMessageAsync(new NewMessage(metadata, raw, session.Transcript.ForCurrentTransaction(), headers.Text)
            {
                RawTail = tail,
                Outbound = outbound,
            }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            if (outbound.Count == 1 && outbound[0].Content is { } kept) _queued.Release(kept); // never queued
            SessionLog.StoreFailed(_logger, queueId, session.RemoteIp.ToString(), exception);
            Record(session, "data", RelayReplies.StoreFailed, "store-failure");
            return RelayReplies.StoreFailed;
        }
        SessionLog.Stored(_logger, queueId, metadata.ClientIp, account.Name, metadata.Size, envelope.Recipients.Count);
        return RelayReplies.Queued(queueId);
    }

    /// <inheritdoc />
    public void OnRefused(SessionContext session, SmtpRefusal refusal)
    {
        // Whatever a refused session does after the greeting (503s, then 421 for too many of them) follows from the
        // connect refusal recorded then: one record per refused connection keeps GET /api/v1/refusals readable
        // ("why did my mail not arrive?") and a client sending junk cannot fill the store or the log.
        if (session.Refused) return;
        // A PROXY protocol refusal sends nothing: the record says so, with the problem (and the balancer's address).
        Record(session, refusal.Stage, refusal.Reply, refusal.Reason, text: refusal.Sent ? null : "closed without a reply: " + refusal.Reply.Text);
    }

    /// <inheritdoc />
    public void OnClosed(SessionContext session) => (session.HandlerState as RelaySessionState)?.ConnectionLease?.Dispose();

    /// <inheritdoc />
    public bool IsAuthenticationOffered(SessionContext session) => _authentication.IsOffered;

    /// <inheritdoc />
    public ValueTask<SmtpReply?> OnAuthenticateAsync(SessionContext session, string mechanism, string authorizationId, string user, string password,
        CancellationToken cancellationToken)
    {
        var state = State(session);
        var outcome = _authentication.Authenticate(session.RemoteIp, state.Account, authorizationId, user, password);
        state.AuthenticatedAccount = outcome.Account;
        if (outcome.Reply is { } refused) Record(session, "auth", refused, outcome.Reason!);
        return ValueTask.FromResult(outcome.Reply);
    }

    /// <summary>The account the session sends for: the AUTH credential's, or the client IP's as the admission mode allows.</summary>
    private Account? AccountOf(SessionContext session, RelaySessionState state) =>
        _authentication.AccountOf(session, state.Account, state.AuthenticatedAccount);

    private static RelaySessionState State(SessionContext session)
    {
        if (session.HandlerState is not RelaySessionState state) session.HandlerState = state = new RelaySessionState();
        return state;
    }

    private void Record(SessionContext session, string stage, SmtpReply reply, string reason, string? recipient = null, string? text = null)
    {
        var state = session.HandlerState as RelaySessionState;
        var ip = session.RemoteIp.ToString();
        text ??= reply.ToString();
        session.RefusalReason = reason;
        var logged = state is null ? 0 : state.RefusalsLogged++;
        if (logged < MaxLoggedRefusals && _refusalLog.TryLog(out var held))
        {
            if (held > 0) SessionLog.RefusalsNotLogged(_logger, held);
            SessionLog.Refused(_logger, ip, stage, text, reason);
        }
        else if (logged == MaxLoggedRefusals) SessionLog.RefusalsNoLongerLogged(_logger, ip, MaxLoggedRefusals);
        _store.AddRefusal(new RefusalRecord(0, _time.GetUtcNow(), ip, session.Helo, stage, text, reason, state?.Account?.Name, state?.MailFrom, recipient));
    }
}
