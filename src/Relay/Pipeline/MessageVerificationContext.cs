using SmarthostLab.Relay.Admission;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Relay.Pipeline;

/// <summary>Everything the verification step sees at the end of data.</summary>
/// <param name="Session">The SMTP session.</param>
/// <param name="Envelope">The transaction.</param>
/// <param name="Content">The bytes as sent (valid during the call only).</param>
/// <param name="Account">The admitted account.</param>
/// <param name="QueueId">The id the message will be stored under.</param>
/// <param name="HostName">The relay's host name.</param>
public sealed record MessageVerificationContext(
    SessionContext Session,
    Envelope Envelope,
    MessageContent Content,
    Account Account,
    string QueueId,
    string HostName);
