namespace SmarthostLab.Relay.Delivery;

/// <summary>
/// What happened to one recipient, the Action field of a delivery status notification (RFC 3464 2.3.3).
/// Written in lower case on the wire (<c>Action: failed</c>).
/// </summary>
public enum DsnAction
{
    /// <summary>The message could not be delivered and the relay has given up (a 5xx reply, or the queue lifetime passed).</summary>
    Failed,

    /// <summary>The relay has not yet delivered the message and will keep trying.</summary>
    Delayed,

    /// <summary>The message was delivered to the recipient (sent only for NOTIFY=SUCCESS).</summary>
    Delivered,

    /// <summary>The message was passed on to a system that will send no further notifications (no DSN support there).</summary>
    Relayed,

    /// <summary>The message was delivered to the recipient and forwarded from there to further addresses.</summary>
    Expanded,
}
