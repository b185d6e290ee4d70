namespace SmarthostLab.Relay.Storage;

/// <summary>A change to one recipient's queue row, applied by the store's writer.</summary>
/// <param name="Seq">The message's row.</param>
/// <param name="Rcpt">The recipient's index.</param>
/// <param name="Claim">True: only mark the row in flight (before an attempt); the other members are ignored.</param>
/// <param name="State">New state.</param>
/// <param name="Attempts">Attempts so far.</param>
/// <param name="LastAttempt">Time of the attempt.</param>
/// <param name="NextAttempt">Next attempt (deferred), or the attempt time for final states.</param>
/// <param name="RemoteHost">Host name of the next hop that answered, or null.</param>
/// <param name="RemoteAddress">Its address and port, or null.</param>
/// <param name="LastReply">The reply or the reason, one line.</param>
/// <param name="RepeatPossible">
/// A deferral of a recipient whose earlier attempt was cut off by a stop: the row stays marked (inflight), so that its
/// delivery, in this run or after another restart, is still counted as a repeat.
/// </param>
public sealed record DeliveryUpdate(
    long Seq,
    int Rcpt,
    bool Claim,
    string State = DeliveryStates.Queued,
    int Attempts = 0,
    DateTimeOffset LastAttempt = default,
    DateTimeOffset NextAttempt = default,
    string? RemoteHost = null,
    string? RemoteAddress = null,
    string? LastReply = null,
    bool RepeatPossible = false)
{
    /// <summary>A claim of one recipient's row.</summary>
    public static DeliveryUpdate ClaimOf(long seq, int rcpt) => new(seq, rcpt, true);
}

/// <summary>One recipient's delivery as the API shows it.</summary>
/// <param name="Recipient">The forward-path.</param>
/// <param name="State">One of <see cref="DeliveryStates"/>.</param>
/// <param name="Destination">Destination key, or null when stored.</param>
/// <param name="Attempts">Attempts made.</param>
/// <param name="LastAttempt">Time of the last attempt.</param>
/// <param name="NextAttempt">Time of the next attempt (queued/deferred).</param>
/// <param name="RemoteHost">Next hop's host name.</param>
/// <param name="RemoteAddress">Next hop's address:port.</param>
/// <param name="LastReply">Last reply line or reason.</param>
public sealed record DeliveryRecord(
    string Recipient,
    string State,
    string? Destination,
    int Attempts,
    DateTimeOffset? LastAttempt,
    DateTimeOffset? NextAttempt,
    string? RemoteHost,
    string? RemoteAddress,
    string? LastReply);

/// <summary>Queue counts by state and the deferred recipients (GET /api/v1/queue).</summary>
/// <param name="Counts">Recipients by state (queued, deferred, delivered, bounced, expired).</param>
/// <param name="Deferred">Deferred recipients, soonest next attempt first (at most the asked limit).</param>
public sealed record QueueSummary(IReadOnlyDictionary<string, long> Counts, IReadOnlyList<DeferredEntry> Deferred);

/// <summary>A deferred recipient.</summary>
/// <param name="MessageId">The message's id.</param>
/// <param name="Delivery">Its delivery row.</param>
public sealed record DeferredEntry(string MessageId, DeliveryRecord Delivery);
