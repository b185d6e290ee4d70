namespace SmarthostLab.Smtp.Client;

/// <summary>One RCPT TO of an <see cref="OutboundTransaction"/>.</summary>
/// <param name="Address">The forward path without angle brackets, e.g. "bob@example.com"; sent as <c>RCPT TO:&lt;Address&gt;</c>.</param>
/// <param name="Parameters">ESMTP parameters sent after the path, in order and as given, e.g. ["NOTIFY=FAILURE", "ORCPT=rfc822;bob@example.com"].</param>
public sealed record OutboundRecipient(string Address, IReadOnlyList<string> Parameters);
