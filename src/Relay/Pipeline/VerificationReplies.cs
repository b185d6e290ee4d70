using SmarthostLab.Smtp.Protocol;

namespace SmarthostLab.Relay.Pipeline;

/// <summary>The replies of the verification step (RFC 7372 for 5.7.26, RFC 3463 for 4.4.3).</summary>
public static class VerificationReplies
{
    /// <summary>Reason recorded with a DMARC-fail rejection.</summary>
    public const string DmarcFailReason = "dmarc-fail";

    /// <summary>Reason recorded with a temperror rejection.</summary>
    public const string TempErrorReason = "dns-temperror";

    /// <summary>DMARC fail and the account's DmarcFailurePolicy is Reject (RFC 7372 3.2: 5.7.26 multiple authentication checks failed).</summary>
    public static SmtpReply DmarcFail(string fromDomain) =>
        new(550, "5.7.26", $"Unauthenticated email from {fromDomain} is not accepted due to domain's DMARC policy");

    /// <summary>A DNS temperror decided the verdict and the account's DmarcFailurePolicy is Reject (RFC 3463 4.4.3 directory server failure).</summary>
    public static SmtpReply TemporaryError(string? fromDomain) =>
        new(451, "4.4.3", $"DNS lookup failed while checking SPF/DKIM/DMARC for {fromDomain ?? "the message"}, please try again later");
}
