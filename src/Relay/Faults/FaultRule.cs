using System.Net;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Session;
using SmarthostLab.Verification;

namespace SmarthostLab.Relay.Faults;

/// <summary>Where a rule came from: the configuration, or the admin API (stored).</summary>
public enum FaultRuleSource
{
    /// <summary><c>Faults:Rules</c>.</summary>
    Config,
    /// <summary><c>POST /api/v1/faults</c>, kept in the store.</summary>
    Api,
}

/// <summary>
/// A valid fault rule made ready to match: patterns compiled, its <see cref="SmtpFault"/> built once, and its own
/// counters and generator, so that the same sequence of matches always gives the same hits (issue 14: a CI run is
/// reproducible). Thread-safe: sessions match concurrently and the counters move under a lock.
/// </summary>
public sealed class FaultRule
{
    private readonly object _lock = new();
    private readonly IpPrefix? _clientIp;
    private readonly Glob? _helo;
    private readonly Glob? _mailFrom;
    private readonly Glob? _rcptTo;
    private ulong _random;
    private long _matches;
    private long _hits;

    private FaultRule(FaultRuleOptions definition, FaultRuleSource source, SmtpStage stage)
    {
        Definition = definition;
        Name = definition.Name!;
        Source = source;
        Stage = stage;
        StageName = FaultStages.Name(stage);
        Reason = "fault:" + Name;
        if (definition.ClientIp is not null && IpPrefix.TryParse(definition.ClientIp, out var prefix)) _clientIp = prefix;
        _helo = definition.Helo is null ? null : new Glob(definition.Helo);
        _mailFrom = definition.MailFrom is null ? null : new Glob(definition.MailFrom);
        _rcptTo = definition.RcptTo is null ? null : new Glob(definition.RcptTo);
        _random = unchecked((ulong)(definition.Seed ?? 0));
        NeedsHeaders = definition.Subject is not null || definition.Header is not null;
        Fault = new SmtpFault
        {
            Rule = Name,
            Reply = definition.Reply is { } reply ? ReplyOf(reply, Name) : null,
            Delay = definition.Delay ?? TimeSpan.Zero,
            Close = definition.Close == true,
            CloseAfterOctets = definition.CloseAfterOctets,
            TarpitOctetsPerSecond = definition.TarpitOctetsPerSecond ?? 0,
        };
        RefusalText = Fault.Reply is { IsPositive: false } refusal ? refusal.ToString()
            : Fault.Close ? "(connection closed without a reply)"
            : Fault.CloseAfterOctets is { } octets ? $"(connection closed after {octets} octets of message data)"
            : null;
        var action = RefusalText ?? "the normal reply";
        if (Fault.Delay > TimeSpan.Zero) action += $" after {Fault.Delay:c}";
        if (Fault.TarpitOctetsPerSecond > 0) action += $" at {Fault.TarpitOctetsPerSecond} octets/s";
        Action = action;
    }

    /// <summary>What a hit does, for the log: "451 4.7.1 … after 00:00:05", "the normal reply at 10 octets/s".</summary>
    public string Action { get; }

    /// <summary>The rule as given, its stage spelled canonically (what the API shows).</summary>
    public FaultRuleOptions Definition { get; }

    /// <summary>Unique name.</summary>
    public string Name { get; }

    /// <summary>Configuration or API.</summary>
    public FaultRuleSource Source { get; }

    /// <summary>Where it acts.</summary>
    public SmtpStage Stage { get; }

    /// <summary>Canonical stage name (refusals, logs, metrics).</summary>
    public string StageName { get; }

    /// <summary>"fault:&lt;name&gt;", the refusal reason of its hits.</summary>
    public string Reason { get; }

    /// <summary>What the session does on a hit.</summary>
    public SmtpFault Fault { get; }

    /// <summary>The refusal recorded for a hit ("451 4.7.1 …", "(connection closed without a reply)"); null when it refuses nothing (a delay, a tarpit).</summary>
    public string? RefusalText { get; }

    /// <summary>True when it matches on the Subject or a header (end of data).</summary>
    public bool NeedsHeaders { get; }

    /// <summary>Hits so far (since the rule was loaded or posted).</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Matches so far, hits or not.</summary>
    public long Matches => Interlocked.Read(ref _matches);

    /// <summary>Compiles a rule that passed <see cref="FaultRuleValidator"/>.</summary>
    public static FaultRule Compile(FaultRuleOptions rule, FaultRuleSource source)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (!FaultStages.TryParse(rule.Stage, out var stage)) throw new ArgumentException($"stage '{rule.Stage}' is not valid", nameof(rule));
        var definition = Copy(rule);
        definition.Stage = FaultStages.Name(stage);
        return new FaultRule(definition, source, stage);
    }

    /// <summary>The reply of a rule: the enhanced code defaults to class.0.0, the text to the rule's name; CRLF becomes '\n'.</summary>
    private static SmtpReply ReplyOf(FaultReplyOptions reply, string name)
    {
        var code = reply.Code ?? 451;
        var enhanced = reply.EnhancedCode ?? $"{code / 100}.0.0";
        var text = reply.Text?.Replace("\r\n", "\n", StringComparison.Ordinal) ?? $"SmarthostLab fault rule {name}";
        return new SmtpReply(code, enhanced, text);
    }

    /// <summary>True when every match field of the rule matches <paramref name="subject"/>.</summary>
    public bool IsMatch(FaultSubject subject)
    {
        var d = Definition;
        if (d.Account is not null && !string.Equals(d.Account, subject.Account, StringComparison.OrdinalIgnoreCase)) return false;
        if (_clientIp is { } range && !range.Contains(subject.ClientIp)) return false;
        if (_helo is not null && (subject.Helo is null || !_helo.IsMatch(subject.Helo))) return false;
        if (_mailFrom is not null && (subject.MailFrom is null || !MatchesSender(_mailFrom, subject.MailFrom))) return false;
        if (_rcptTo is not null && !MatchesRecipient(_rcptTo, subject)) return false;
        if (!NeedsHeaders) return true;
        if (subject.Headers?.Summary is not { } headers) return false;
        if (d.Subject is not null && (headers.Subject is null || !headers.Subject.Contains(d.Subject, StringComparison.OrdinalIgnoreCase))) return false;
        return d.Header is null || headers.Text.Contains(d.Header, StringComparison.OrdinalIgnoreCase);
    }

    private static bool MatchesSender(Glob glob, string mailFrom) =>
        mailFrom.Length == 0 ? glob.ToString() == "<>" || glob.IsMatch("") : glob.IsMatch(mailFrom);

    private static bool MatchesRecipient(Glob glob, FaultSubject subject)
    {
        if (subject.Recipient is { } one) return glob.IsMatch(one);
        if (subject.Recipients is not { } all) return false;
        foreach (var recipient in all)
        {
            if (glob.IsMatch(recipient)) return true;
        }
        return false;
    }

    /// <summary>
    /// Counts a match and decides whether it is a hit: not past MaxHits, the Nth of EveryNth, then a draw under
    /// Probability. The generator is drawn once per match that reaches it, so the decisions depend only on the order of matches.
    /// </summary>
    public bool TryHit()
    {
        var d = Definition;
        lock (_lock)
        {
            if (d.MaxHits is { } max && _hits >= max) return false;
            var n = ++_matches;
            if (d.EveryNth is { } nth && n % nth != 0) return false;
            if (d.Probability is { } p && p < 1 && NextDouble() >= p) return false;
            _hits++;
            return true;
        }
    }

    /// <summary>SplitMix64 (Steele, Lea, Flood 2014): small, fast and the same on every platform and run.</summary>
    private double NextDouble()
    {
        var z = _random += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }

    private static FaultRuleOptions Copy(FaultRuleOptions r) => new()
    {
        Name = r.Name,
        Stage = r.Stage,
        Account = r.Account,
        ClientIp = r.ClientIp,
        Helo = r.Helo,
        MailFrom = r.MailFrom,
        RcptTo = r.RcptTo,
        Subject = r.Subject,
        Header = r.Header,
        EveryNth = r.EveryNth,
        Probability = r.Probability,
        Seed = r.Seed,
        MaxHits = r.MaxHits,
        Reply = r.Reply is null ? null : new FaultReplyOptions { Code = r.Reply.Code, EnhancedCode = r.Reply.EnhancedCode, Text = r.Reply.Text },
        Delay = r.Delay,
        Close = r.Close,
        CloseAfterOctets = r.CloseAfterOctets,
        TarpitOctetsPerSecond = r.TarpitOctetsPerSecond,
    };
}

/// <summary>What a rule is matched against at one stage; fields not known there are null.</summary>
/// <param name="Account">The admitted account's name.</param>
/// <param name="ClientIp">The client's address.</param>
/// <param name="Helo">The HELO/EHLO name (at the helo stage: the one being given).</param>
/// <param name="MailFrom">The reverse-path ("" for the null sender).</param>
/// <param name="Recipient">At rcpt: the recipient asked for.</param>
/// <param name="Recipients">At data, bdat and end of data: the accepted recipients.</param>
/// <param name="Headers">At end of data: the message's header fields, parsed on first use.</param>
public readonly record struct FaultSubject(string? Account, IPAddress ClientIp, string? Helo, string? MailFrom, string? Recipient,
    IReadOnlyList<string>? Recipients, FaultHeaders? Headers);
