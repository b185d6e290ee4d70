namespace SmarthostLab.Relay.Storage;

/// <summary>One recorded refusal.</summary>
/// <param name="Id">Store id (0 before it is stored).</param>
/// <param name="Time">When.</param>
/// <param name="ClientIp">Client IP.</param>
/// <param name="Helo">HELO/EHLO argument, if given yet.</param>
/// <param name="Stage">connect, helo, mail, rcpt, data, bdat, starttls, command, session, policy.</param>
/// <param name="Reply">The reply's first line as sent.</param>
/// <param name="Reason">Machine-friendly reason, e.g. unregistered-ip.</param>
/// <param name="Account">Admitted account, if any.</param>
/// <param name="MailFrom">Reverse-path of the transaction, if any.</param>
/// <param name="Recipient">The refused recipient, if any.</param>
public sealed record RefusalRecord(
    long Id,
    DateTimeOffset Time,
    string ClientIp,
    string? Helo,
    string Stage,
    string Reply,
    string Reason,
    string? Account,
    string? MailFrom,
    string? Recipient);
