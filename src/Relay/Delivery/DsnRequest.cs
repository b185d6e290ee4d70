namespace SmarthostLab.Relay.Delivery;

/// <summary>Everything <see cref="DsnWriter"/> needs to write one delivery status notification (RFC 3464) for one message.</summary>
/// <param name="ReportingMta">The relay's host name (Smtp:HostName), e.g. <c>smarthost.test</c>: <c>Reporting-MTA</c> and the From address.</param>
/// <param name="OriginalMessageId">The relay's queue id of the original message (a ULID), named in the text part.</param>
/// <param name="EnvelopeSender">
/// The original MAIL FROM, to which the DSN goes. Never empty: a message from the null sender gets no DSN
/// (RFC 3461 6.2), and the writer throws <see cref="ArgumentException"/> for one.
/// </param>
/// <param name="EnvelopeId">The ENVID parameter as received (xtext), written in <c>Original-Envelope-Id</c>; null leaves the field out.</param>
/// <param name="ReturnFullMessage">
/// RET=FULL: the whole original is attached as message/rfc822. Otherwise (RET=HDRS or no RET) only its header
/// block is attached, as text/rfc822-headers.
/// </param>
/// <param name="ArrivalDate">When the relay received the original (<c>Arrival-Date</c>).</param>
/// <param name="Recipients">The recipients to report on, one or more, all in one report.</param>
/// <param name="OriginalMessage">The stored bytes of the original message (headers and body, CRLF line endings).</param>
/// <param name="Date">The DSN's Date header.</param>
/// <param name="MessageIdDomain">The right-hand side of the DSN's Message-ID, usually <paramref name="ReportingMta"/>.</param>
/// <param name="MessageIdLocalPart">
/// The left-hand side of the DSN's Message-ID, e.g. the DSN's own queue id, so that the caller knows the Message-ID it
/// stores; null for a new ULID.
/// </param>
public sealed record DsnRequest(
    string ReportingMta,
    string OriginalMessageId,
    string EnvelopeSender,
    string? EnvelopeId,
    bool ReturnFullMessage,
    DateTimeOffset ArrivalDate,
    IReadOnlyList<DsnRecipient> Recipients,
    ReadOnlyMemory<byte> OriginalMessage,
    DateTimeOffset Date,
    string MessageIdDomain,
    string? MessageIdLocalPart = null);
