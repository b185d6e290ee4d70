using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Verification;

namespace SmarthostLab.Relay.Pipeline;

/// <summary>What the verification step decided for one message.</summary>
public sealed record VerificationOutcome
{
    /// <summary>Nothing to add: no verdict, no header, store as is.</summary>
    public static readonly VerificationOutcome None = new();

    /// <summary>The verdict stored with the message, or null.</summary>
    public Verdict? Verdict { get; init; }

    /// <summary>Header lines (each ending in CRLF) prepended above the Received header: Authentication-Results.</summary>
    public string PrependHeaders { get; init; } = "";

    /// <summary>Header lines (each ending in CRLF) stored below the Received header, right above the message: DKIM-Signature.</summary>
    public string InsertHeaders { get; init; } = "";

    /// <summary>
    /// When set, the message's header section as stored, in place of the octets sent before its body
    /// (<see cref="HeaderSection.BodyOffset"/>), e.g. without a forged Authentication-Results; the body follows as
    /// sent. Never larger than the header section, so a rewrite costs no copy of the message.
    /// </summary>
    public byte[]? RewrittenHeaderSection { get; init; }

    /// <summary>Store the message flagged as quarantined.</summary>
    public bool Quarantine { get; init; }

    /// <summary>Refuse the message with this reply (550 5.7.26, 451 4.4.3); it is not stored.</summary>
    public SmtpReply? Reject { get; init; }

    /// <summary>Machine-friendly reason recorded with a rejection, e.g. dmarc-fail.</summary>
    public string? RejectReason { get; init; }
}
