namespace SmarthostLab.Relay.Storage;

/// <summary>
/// One message's recipients that go to one destination: the unit the delivery queue sends in one SMTP transaction
/// (issue 13). Written with the message (<see cref="NewMessage.Outbound"/>), loaded again after a restart, and
/// handed to the queue by the store once committed. Holds the message's envelope, not its bytes.
/// </summary>
public sealed class OutboundJob
{
    /// <summary>The message's row (messages.seq); set by the store when it inserts the message.</summary>
    public long Seq { get; set; }

    /// <summary>The message's queue id.</summary>
    public required string MessageId { get; init; }

    /// <summary>The account that sent it (routes its DSNs), or null.</summary>
    public string? Account { get; init; }

    /// <summary>Reverse-path; empty for the null sender.</summary>
    public required string MailFrom { get; init; }

    /// <summary>MAIL FROM parameters as stored ("SIZE=… BODY=8BITMIME RET=HDRS ENVID=…").</summary>
    public required string MailFromParameters { get; init; }

    /// <summary>When the relay accepted the message (queue lifetime and latency count from here).</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>Destination key (see <see cref="Delivery.Destination"/>).</summary>
    public required string Destination { get; init; }

    /// <summary>The recipients still to deliver, in message order.</summary>
    public required List<OutboundRecipientEntry> Recipients { get; init; }

    /// <summary>True when the destination was given (a release), false when the configured route chose it (re-routed at start).</summary>
    public bool Pinned { get; init; }

    /// <summary>The message's bytes when they are kept in memory for the first attempt (see Delivery.QueuedContent), else null.</summary>
    public byte[]? Content { get; set; }

    /// <summary>The same message's job for <paramref name="recipients"/> at <paramref name="destination"/> (a retry, a re-route).</summary>
    public OutboundJob With(string destination, List<OutboundRecipientEntry> recipients) => new()
    {
        Seq = Seq, MessageId = MessageId, Account = Account, MailFrom = MailFrom, MailFromParameters = MailFromParameters,
        ReceivedAt = ReceivedAt, Destination = destination, Recipients = recipients, IsDsn = IsDsn, Pinned = Pinned,
    };

    /// <summary>True for a delivery status notification the relay wrote (never the subject of another).</summary>
    public bool IsDsn { get; init; }
}

/// <summary>One recipient of an <see cref="OutboundJob"/> with its queue state.</summary>
public sealed class OutboundRecipientEntry
{
    /// <summary>Index into the message's recipients (the row's key with the message's seq).</summary>
    public required int Index { get; init; }

    /// <summary>The forward-path.</summary>
    public required string Address { get; init; }

    /// <summary>Its RCPT parameters as received ("NOTIFY=… ORCPT=…"), or null.</summary>
    public string? Parameters { get; init; }

    /// <summary>Attempts made so far.</summary>
    public int Attempts { get; set; }

    /// <summary>Earliest time of the next attempt.</summary>
    public DateTimeOffset NextAttempt { get; set; }

    /// <summary>True when an earlier attempt was cut off by a stop after it may have reached the next hop.</summary>
    public bool RepeatPossible { get; set; }
}
