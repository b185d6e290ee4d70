using System.Buffers;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Storage;
using SmarthostLab.Smtp.Client;
using SmarthostLab.Smtp.Protocol;

namespace SmarthostLab.Relay.Delivery;

/// <summary>
/// One outbound connection of a destination lane: resolves the destination, connects (next target on failure,
/// plaintext again when opportunistic STARTTLS fails), then sends job after job (RSET between) until the lane has
/// none for <see cref="DeliveryOptions.ConnectionIdleTime"/>. Each job is claimed in the store before it is sent,
/// together with the outcome of the job before it, so one commit serves both. When a destination cannot be reached
/// every job waiting for it is deferred with the same reason (Postfix's "dead destination").
/// </summary>
public sealed class DeliveryWorker
{
    private readonly DeliveryQueue _queue;
    private readonly IMessageStore _store;
    private readonly DestinationResolver _resolver;
    private readonly DeliveryOptions _options;
    private readonly SmtpClientOptions _client;
    private readonly DsnFactory _dsn;
    private readonly QueuedContent _queued;
    private readonly DeliveryMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly List<DeliveryUpdate> _updates = [];
    private readonly List<NewMessage> _reports = [];
    private readonly List<(OutboundJob Job, DateTimeOffset Due)> _retries = [];
    private SmtpClientConnection? _connection;
    private ResolvedDestination? _resolved;
    private RecipientOutcome? _dead;
    private IMessageContentReader? _content;

    internal DeliveryWorker(DeliveryQueue queue, IMessageStore store, DestinationResolver resolver, DeliveryOptions options,
        SmtpClientOptions client, DsnFactory dsn, DeliveryMetrics metrics, TimeProvider time, ILogger logger, QueuedContent queued)
    {
        _queued = queued;
        _queue = queue;
        _store = store;
        _resolver = resolver;
        _options = options;
        _client = client;
        _dsn = dsn;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Serves <paramref name="lane"/> until it stays empty or the relay stops. One job at a time: its claim is committed
    /// with the outcome of the one before, just before it is sent, so that a kill -9 leaves at most the job in flight
    /// unrecorded (claiming 16 at once left every delivered-but-unrecorded job of the batch to be sent again:
    /// QueueKillTests).
    /// </summary>
    internal async Task RunAsync(DestinationLane lane)
    {
        var stopping = _queue.Stopping;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                // A job at hand goes now; waiting for the next one first commits what the last one did.
                var job = await _queue.TakeAsync(lane, TimeSpan.Zero, stopping).ConfigureAwait(false);
                if (job is null)
                {
                    await CommitAsync().ConfigureAwait(false);
                    job = await _queue.TakeAsync(lane, _dead is null ? _options.ConnectionIdleTime : TimeSpan.Zero, stopping).ConfigureAwait(false);
                    if (job is null) break;
                }
                try
                {
                    var claimed = job;
                    if (_dead is null)
                    {
                        foreach (var r in job.Recipients) _updates.Add(DeliveryUpdate.ClaimOf(job.Seq, r.Index));
                        claimed = Claimed(job, await CommitAsync().ConfigureAwait(false));
                    }
                    // Claimed but stopped before it was sent: retried after the restart.
                    if (claimed is not null && !stopping.IsCancellationRequested) await DeliverAsync(lane.Destination, claimed, stopping).ConfigureAwait(false);
                }
                finally
                {
                    _queue.Finished(job);
                    if (job.Content is { } kept)
                    {
                        job.Content = null;
                        _queued.Release(kept);
                    }
                }
            }
        }
        finally
        {
            await CommitAsync().ConfigureAwait(false);
            if (_connection is not null) await CloseAsync().ConfigureAwait(false);
            _content?.Dispose();
        }
    }

    /// <summary>
    /// <paramref name="job"/> without the recipients whose claim was <paramref name="refused"/> (another relay on the
    /// shared PostgreSQL store owns them, or they were delivered meanwhile); null when none is left.
    /// </summary>
    private OutboundJob? Claimed(OutboundJob job, IReadOnlyList<DeliveryUpdate> refused)
    {
        if (refused.Count == 0) return job;
        var kept = job.Recipients.Where(r => !refused.Any(u => u.Seq == job.Seq && u.Rcpt == r.Index)).ToList();
        DeliveryLog.ClaimedElsewhere(_logger, job.MessageId, job.Recipients.Count - kept.Count);
        if (kept.Count == 0) return null;
        var claimed = job.With(job.Destination, kept);
        claimed.Content = job.Content; // released with the job it came with
        return claimed;
    }

    private async Task DeliverAsync(string destination, OutboundJob job, CancellationToken stopping)
    {
        if (_dead is { } dead)
        {
            // The DSN of a recipient that expires now returns the original: read it for that case alone.
            var expiring = _time.GetUtcNow() >= job.ReceivedAt + _options.MaxQueueLifetime;
            var original = expiring ? await _store.GetRawAsync(job.MessageId, CancellationToken.None).ConfigureAwait(false) : null;
            Record(job, job.Recipients.Select(_ => dead).ToList(), null, original);
            return;
        }

        // A fresh message's bytes may still be in memory (QueuedContent); otherwise they are read back by row.
        var raw = job.Content ?? (_content ??= _store.OpenContentReader()).Read(job.Seq);
        if (raw is null)
        {
            DeliveryLog.MessageGone(_logger, job.MessageId);
            return; // deleted meanwhile: its queue rows went with it
        }
        var needs = MessageNeeds.Of(job.MailFromParameters, raw);

        if (_connection is null && await ConnectAsync(destination, stopping).ConfigureAwait(false) is { } failure)
        {
            Record(job, job.Recipients.Select(_ => failure).ToList(), null, raw);
            // Every other job of this destination fails the same way now: defer them without new connections.
            if (failure.Result == AttemptResult.Deferred) _dead = failure;
            return;
        }
        var connection = _connection!;
        var hop = $"{connection.RemoteHostName}[{connection.RemoteEndPoint}]";
        if (needs.Lacking(connection.Capabilities, hop) is { } lacking)
        {
            var outcome = RecipientOutcome.Failure(true, lacking.Status, lacking.Text);
            Record(job, job.Recipients.Select(_ => outcome).ToList(), connection, raw);
            return;
        }
        if (connection.MaxSize is { } max && max > 0 && raw.Length > max)
        {
            var outcome = RecipientOutcome.Failure(true, "5.3.4", $"the message ({raw.Length} octets) is larger than the next hop {hop} accepts ({max} octets)");
            Record(job, job.Recipients.Select(_ => outcome).ToList(), connection, raw);
            return;
        }

        var dsn = connection.Capabilities.HasFlag(SmtpClientCapabilities.Dsn);
        var transaction = new OutboundTransaction(
            job.MailFrom,
            needs.MailParameters(connection.Capabilities, raw.Length),
            [.. job.Recipients.Select(r => new OutboundRecipient(r.Address, dsn ? DsnParametersOf(r.Parameters) : []))],
            new ReadOnlySequence<byte>(raw))
        {
            // A reused connection starts each transaction with RSET, pipelined with it when the next hop allows.
            ResetFirst = connection.TransactionsSent > 0,
        };
        try
        {
            var result = await connection.SendAsync(transaction, stopping).ConfigureAwait(false);
            Record(job, Outcomes(job, result), connection, raw);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The relay stops: the rows stay claimed and keep their state, so the attempt is made again right after
            // the restart (and counted as a possible repeat if it had reached the next hop).
            await CloseAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is SmtpClientException or IOException or SocketException or OperationCanceledException)
        {
            // The session is over; the recipients wait for the next attempt (4xx replies such as 421 included).
            var reply = (exception as SmtpClientException)?.Reply;
            var outcome = new RecipientOutcome(AttemptResult.Deferred, reply?.EnhancedCode is ['4', ..] code ? code : "4.4.2", reply?.ToString(),
                reply is null ? $"lost connection with {hop}: {exception.Message}" : null);
            DeliveryLog.ConnectionLost(_logger, hop, job.MessageId, exception.Message);
            Record(job, job.Recipients.Select(_ => outcome).ToList(), connection, raw);
            await CloseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Per recipient: MAIL's refusal for all, else each RCPT's reply, else the reply after the content.</summary>
    private static List<RecipientOutcome> Outcomes(OutboundJob job, TransactionResult result)
    {
        var outcomes = new List<RecipientOutcome>(job.Recipients.Count);
        for (var i = 0; i < job.Recipients.Count; i++)
        {
            if (!result.MailReply.IsPositive) outcomes.Add(RecipientOutcome.FromReply(result.MailReply));
            else if (i < result.RecipientReplies.Count && result.RecipientReplies[i] is { IsPositive: false } refused) outcomes.Add(RecipientOutcome.FromReply(refused));
            else if (result.DataReply is { } data) outcomes.Add(RecipientOutcome.FromReply(data));
            else outcomes.Add(RecipientOutcome.Failure(false, "4.4.2", "the next hop gave no reply for this recipient"));
        }
        return outcomes;
    }

    /// <summary>
    /// Turns outcomes into row updates, retries, DSNs and metrics; committed with the next claim or at the end.
    /// <paramref name="raw"/> is the original, which a DSN returns (its header block, or all of it with RET=FULL).
    /// </summary>
    private void Record(OutboundJob job, List<RecipientOutcome> outcomes, SmtpClientConnection? connection, byte[]? raw = null)
    {
        var now = _time.GetUtcNow();
        var host = connection?.RemoteHostName;
        var address = connection?.RemoteEndPoint.ToString();
        var retry = new List<OutboundRecipientEntry>();
        var notices = new List<(OutboundRecipientEntry Recipient, RecipientOutcome Outcome, string State)>();
        var nextAttempt = DateTimeOffset.MaxValue;
        for (var i = 0; i < job.Recipients.Count; i++)
        {
            var r = job.Recipients[i];
            var outcome = outcomes[i];
            r.Attempts++;
            string state;
            var next = now;
            switch (outcome.Result)
            {
                case AttemptResult.Delivered:
                    state = DeliveryStates.Delivered;
                    _metrics.Delivered(now - job.ReceivedAt, r.RepeatPossible);
                    break;
                case AttemptResult.Bounced:
                    state = DeliveryStates.Bounced;
                    break;
                default:
                    var expires = job.ReceivedAt + _options.MaxQueueLifetime;
                    if (now >= expires)
                    {
                        state = DeliveryStates.Expired;
                        outcome = outcome with { Status = "4.4.7", Reason = $"still undeliverable after {_options.MaxQueueLifetime} in the queue; last: {outcome.Text}" };
                        outcomes[i] = outcome;
                        break;
                    }
                    state = DeliveryStates.Deferred;
                    var delays = _options.RetryDelays;
                    next = now + delays[Math.Min(r.Attempts - 1, delays.Count - 1)];
                    if (next > expires) next = expires;
                    r.NextAttempt = next;
                    nextAttempt = next < nextAttempt ? next : nextAttempt;
                    retry.Add(r);
                    break;
            }
            // An attempt cut off by a stop may have reached the next hop: a deferral since then does not change that, so
            // the recipient's eventual delivery is still a repeat; only a final outcome settles it.
            if (state != DeliveryStates.Deferred) r.RepeatPossible = false;
            _metrics.Attempted(state);
            _updates.Add(new DeliveryUpdate(job.Seq, r.Index, false, state, r.Attempts, now, next, host, address, outcome.Text, r.RepeatPossible));
            if (state != DeliveryStates.Deferred) notices.Add((r, outcome, state));
            DeliveryLog.Outcome(_logger, job.MessageId, r.Address, state, host ?? job.Destination, outcome.Text);
        }
        if (retry.Count > 0)
        {
            _retries.Add((job.With(job.Destination, retry), nextAttempt));
        }
        if (notices.Count > 0 && _dsn.Create(job, notices, connection, raw, now) is { } report) _reports.Add(report);
    }

    /// <summary>NOTIFY and ORCPT of a recipient's stored parameters, passed on to a next hop that offers DSN.</summary>
    private static List<string> DsnParametersOf(string? parameters) =>
        [.. EsmtpParameter.Split(parameters).Where(p => p.Keyword is "NOTIFY" or "ORCPT").Select(p => p.ToString())];

    /// <summary>Resolves (once per worker) and connects to the first target that answers; the failure outcome otherwise.</summary>
    private async Task<RecipientOutcome?> ConnectAsync(string destination, CancellationToken stopping)
    {
        try
        {
            _resolved ??= await _resolver.ResolveAsync(destination, stopping).ConfigureAwait(false);
        }
        catch (ArgumentException exception)
        {
            return RecipientOutcome.Failure(true, "5.1.2", $"bad destination {destination}: {exception.Message}");
        }
        if (_resolved.Failure is { } failure) return RecipientOutcome.Failure(failure.Permanent, failure.Status, failure.Text);
        string? last = null;
        SmtpClientReply? lastReply = null;
        foreach (var target in _resolved.Targets)
        {
            var endPoint = new System.Net.IPEndPoint(target.Address, target.Port);
            foreach (var tls in _client.Tls == SmtpClientTls.Opportunistic ? [SmtpClientTls.Opportunistic, SmtpClientTls.None] : new[] { _client.Tls })
            {
                try
                {
                    _connection = await SmtpClientConnection.ConnectAsync(endPoint, target.HostName, _client with { Tls = tls }, stopping).ConfigureAwait(false);
                    return null;
                }
                catch (SmtpClientException exception) when (exception.TlsFailure && tls == SmtpClientTls.Opportunistic)
                {
                    DeliveryLog.TlsFallback(_logger, $"{target.HostName}[{endPoint}]", exception.Message);
                    last = exception.Message;
                }
                catch (SmtpClientException exception)
                {
                    last = exception.Message;
                    lastReply = exception.Reply;
                    DeliveryLog.ConnectFailed(_logger, $"{target.HostName}[{endPoint}]", exception.Message);
                    break;
                }
                catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException)
                {
                    last = exception.Message;
                    DeliveryLog.ConnectFailed(_logger, $"{target.HostName}[{endPoint}]", exception.Message);
                    break;
                }
            }
            if (stopping.IsCancellationRequested) break;
        }
        var status = _client.Tls is SmtpClientTls.Required or SmtpClientTls.RequiredValid && lastReply is null ? "4.7.5" : "4.4.1";
        return new RecipientOutcome(AttemptResult.Deferred, status, lastReply?.ToString(), $"no next hop of {destination} could be reached: {last ?? "no address"}");
    }

    /// <summary>Commits the pending claims, outcomes and DSNs; returns the claims the store refused.</summary>
    private async Task<IReadOnlyList<DeliveryUpdate>> CommitAsync()
    {
        if (_updates.Count == 0 && _reports.Count == 0 && _retries.Count == 0) return [];
        IReadOnlyList<DeliveryUpdate> refused = [];
        try
        {
            refused = await _store.RecordDeliveryAsync([.. _updates], [.. _reports], CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The rows keep their last committed state; after a restart the recipients are tried again (at least once).
            DeliveryLog.RecordFailed(_logger, exception);
        }
        _updates.Clear();
        _reports.Clear();
        // Deferred jobs wait again only once their outcome is on disk: an earlier retry elsewhere could otherwise
        // record its own outcome first and have it overwritten by this stale one.
        foreach (var (job, due) in _retries) _queue.Retry(job, due);
        _retries.Clear();
        return refused;
    }

    private async Task CloseAsync()
    {
        var connection = _connection!;
        _connection = null;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await connection.QuitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is SmtpClientException or IOException or SocketException or OperationCanceledException)
        {
            // Closing anyway.
        }
        await connection.DisposeAsync().ConfigureAwait(false);
    }
}
