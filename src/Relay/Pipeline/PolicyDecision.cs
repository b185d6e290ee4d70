using SmarthostLab.Relay.Configuration;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Verification;

namespace SmarthostLab.Relay.Pipeline;

/// <summary>
/// What an account's <see cref="DmarcFailurePolicy"/> makes of a verification result:
/// DMARC fail → tag, quarantine or 550 5.7.26; a DNS temperror → 451 4.4.3 only under Reject;
/// anything else (pass, none, permerror, temperror without Reject) → accept.
/// </summary>
/// <param name="Action">The verdict's action.</param>
/// <param name="Reject">The refusal reply, when the action is reject.</param>
/// <param name="Reason">The refusal reason recorded (dmarc-fail, dns-temperror), when rejected.</param>
public sealed record PolicyDecision(VerdictAction Action, SmtpReply? Reject = null, string? Reason = null)
{
    /// <summary>Applies <paramref name="policy"/> to <paramref name="result"/>.</summary>
    public static PolicyDecision Decide(VerificationResult result, DmarcFailurePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(result);
        var dmarc = result.Dmarc;
        if (dmarc.Result == DmarcResult.Fail)
        {
            return policy switch
            {
                DmarcFailurePolicy.Reject => new PolicyDecision(VerdictAction.Reject,
                    VerificationReplies.DmarcFail(dmarc.FromDomain ?? "this sender"), VerificationReplies.DmarcFailReason),
                DmarcFailurePolicy.Quarantine => new PolicyDecision(VerdictAction.Quarantine),
                _ => new PolicyDecision(VerdictAction.Tag),
            };
        }
        if (policy == DmarcFailurePolicy.Reject && result.HasTemporaryError)
            return new PolicyDecision(VerdictAction.Reject, VerificationReplies.TemporaryError(dmarc.FromDomain), VerificationReplies.TempErrorReason);
        return new PolicyDecision(VerdictAction.Accept);
    }
}
