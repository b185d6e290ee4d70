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

    /// <summary>Header lines (each ending in CRLF) prepended above the Received header: Authentication-Results, DKIM-Signature.</summary>
    public string PrependHeaders { get; init; } = "";

    /// <summary>When set, replaces the message bytes as sent (e.g. after removing a forged Authentication-Results); the Received and prepended headers still go on top.</summary>
    public byte[]? RewrittenContent { get; init; }

    /// <summary>The header fields of the message as sent, when verification parsed them (so they are not parsed again).</summary>
    public MimeKit.HeaderList? Headers { get; init; }

    /// <summary>Store the message flagged as quarantined.</summary>
    public bool Quarantine { get; init; }

    /// <summary>Refuse the message with this reply (550 5.7.26, 451 4.4.3); it is not stored.</summary>
    public SmtpReply? Reject { get; init; }

    /// <summary>Machine-friendly reason recorded with a rejection, e.g. dmarc-fail.</summary>
    public string? RejectReason { get; init; }
}
