using SmarthostLab.Relay.Admission;
using SmarthostLab.Smtp.Session;
using SmarthostLab.Verification;

namespace SmarthostLab.Relay.Pipeline;

/// <summary>Everything the verification step sees at the end of data.</summary>
/// <param name="Session">The SMTP session.</param>
/// <param name="Envelope">The transaction.</param>
/// <param name="Content">The bytes as sent (valid during the call only).</param>
/// <param name="Headers">
/// The header section of <see cref="Content"/>, parsed once by the session handler for every use (summary, signing,
/// verification); offsets are positions in <see cref="Content"/>. Read it, do not change it: build another list.
/// </param>
/// <param name="Account">The admitted account.</param>
/// <param name="QueueId">The id the message will be stored under.</param>
/// <param name="HostName">The relay's host name.</param>
public sealed record MessageVerificationContext(
    SessionContext Session,
    Envelope Envelope,
    MessageContent Content,
    HeaderSection Headers,
    Account Account,
    string QueueId,
    string HostName);
