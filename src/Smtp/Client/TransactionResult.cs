namespace SmarthostLab.Smtp.Client;

/// <summary>Every reply of one <see cref="SmtpClientConnection.SendAsync"/>.</summary>
/// <param name="MailReply">The reply to MAIL FROM.</param>
/// <param name="RecipientReplies">
/// One per <see cref="OutboundTransaction.Recipients"/>, in the same order. An entry is null only when that RCPT TO
/// was never sent because MAIL FROM was refused (without PIPELINING; pipelined RCPT TO commands are always sent and answered).
/// </param>
/// <param name="DataReply">
/// The reply that decided the message: the final reply after the content, or the refusal of DATA (anything but 354).
/// Null when MAIL FROM was refused or no recipient was accepted; the client then sent RSET, and the connection stays usable.
/// </param>
public sealed record TransactionResult(SmtpClientReply MailReply, IReadOnlyList<SmtpClientReply?> RecipientReplies, SmtpClientReply? DataReply);
