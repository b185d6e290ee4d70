using SmarthostLab.Relay.Faults;
using SmarthostLab.Relay.Storage;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Relay.Session;

/// <summary>Fault injection (issue 14): the rules of <see cref="FaultInjector"/> at each stage of the session.</summary>
public sealed partial class RelaySessionHandler
{
    /// <inheritdoc />
    public ValueTask<SmtpFault?> OnStageAsync(SessionContext session, SmtpStage stage, SmtpStageInput input, CancellationToken cancellationToken)
    {
        var rules = _faults.RulesAt(stage);
        return rules.Length == 0 ? default : ValueTask.FromResult(Inject(session, stage, input, rules));
    }

    /// <summary>Matches the stage's rules; a hit is logged (the session's first few), counted and, when it refuses, recorded as a refusal.</summary>
    private SmtpFault? Inject(SessionContext session, SmtpStage stage, SmtpStageInput input, FaultRule[] rules)
    {
        var state = session.HandlerState as RelaySessionState;
        var subject = new FaultSubject(
            state?.Account?.Name,
            session.RemoteIp,
            stage == SmtpStage.Helo ? input.Argument : session.Helo,
            stage == SmtpStage.Mail ? input.Argument : input.Envelope?.MailFrom,
            input.Recipient,
            stage is SmtpStage.Data or SmtpStage.Bdat or SmtpStage.EndOfData ? input.Envelope?.Recipients : null,
            input.Content is { } content && rules.Any(r => r.NeedsHeaders) ? new FaultHeaders(content, _maxHeaderSize) : null);
        if (_faults.Match(rules, subject) is not { } rule) return null;

        var ip = session.RemoteIp.ToString();
        var logged = state is null ? 0 : state.RefusalsLogged++;
        if (logged < MaxLoggedRefusals) FaultLog.Hit(_logger, rule.Name, ip, rule.StageName, rule.Action);
        else if (logged == MaxLoggedRefusals) FaultLog.HitsNoLongerLogged(_logger, ip, MaxLoggedRefusals);
        if (rule.RefusalText is { } text)
        {
            session.RefusalReason = rule.Reason;
            _store.AddRefusal(new RefusalRecord(0, _time.GetUtcNow(), ip, subject.Helo, rule.StageName, text, rule.Reason,
                subject.Account, subject.MailFrom, input.Recipient));
        }
        return rule.Fault;
    }
}
