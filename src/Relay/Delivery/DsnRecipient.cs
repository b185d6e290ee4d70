namespace SmarthostLab.Relay.Delivery;

/// <summary>One recipient of a delivery status notification: one per-recipient block of RFC 3464 2.3.</summary>
/// <param name="FinalRecipient">
/// The forward-path as relayed, e.g. <c>bob@example.com</c>: written <c>Final-Recipient: rfc822; bob@example.com</c>,
/// or with the <c>utf-8</c> address type of RFC 6533 (non-ASCII characters as <c>\x{HEX}</c>) when it is not ASCII.
/// </param>
/// <param name="OriginalRecipient">
/// The ORCPT parameter as received (addr-type;xtext, e.g. <c>rfc822;bob@example.com</c>), written as it is in
/// <c>Original-Recipient</c>; null when the client sent none (the field is then left out).
/// </param>
/// <param name="Action">What happened (RFC 3464 2.3.3).</param>
/// <param name="Status">The RFC 3463 status code, e.g. <c>5.1.1</c>, <c>4.4.7</c>, <c>2.0.0</c>.</param>
/// <param name="RemoteMta">The host that answered, e.g. <c>mx.example.com</c> (written <c>Remote-MTA: dns; mx.example.com</c>), or null.</param>
/// <param name="DiagnosticCode">
/// The remote reply, e.g. <c>550 5.1.1 &lt;bob@example.com&gt;: user unknown</c> (written <c>Diagnostic-Code: smtp; …</c>,
/// folded, line breaks of a multi-line reply turned into spaces), or null.
/// </param>
/// <param name="LastAttemptDate">When delivery to this recipient was last tried (<c>Last-Attempt-Date</c>), or null.</param>
/// <param name="Reason">
/// A sentence for the text part when there is no remote reply to quote, e.g. "the next hop 127.0.0.1:2526 does not
/// support 8BITMIME"; null for none.
/// </param>
public sealed record DsnRecipient(
    string FinalRecipient,
    string? OriginalRecipient,
    DsnAction Action,
    string Status,
    string? RemoteMta,
    string? DiagnosticCode,
    DateTimeOffset? LastAttemptDate,
    string? Reason);
