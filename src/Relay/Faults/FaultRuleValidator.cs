using System.Text.RegularExpressions;
using SmarthostLab.Smtp.Session;
using SmarthostLab.Verification;

namespace SmarthostLab.Relay.Faults;

/// <summary>
/// Checks one fault rule, for the configuration (<c>Faults:Rules:N:Reply:Code</c>) and the API (<c>reply.code</c>) alike:
/// each problem is one line naming the field in the caller's spelling.
/// </summary>
public static partial class FaultRuleValidator
{
    /// <summary>Longest rule name.</summary>
    public const int MaxNameLength = 64;

    /// <summary>Longest pattern or header token.</summary>
    public const int MaxPatternLength = 256;

    /// <summary>Most lines of a reply.</summary>
    public const int MaxReplyLines = 20;

    /// <summary>Longest reply line (RFC 5321 4.5.3.1.5 allows 512 octets with the code and CRLF).</summary>
    public const int MaxReplyLineLength = 500;

    /// <summary>The problems of <paramref name="rule"/>; <paramref name="name"/> spells a field given its configuration path below the rule ("Reply:Code").</summary>
    public static List<string> Validate(FaultRuleOptions rule, Func<string, string> name)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var errors = new List<string>();
        void Add(string field, string problem) => errors.Add($"{name(field)}: {problem}");

        if (string.IsNullOrWhiteSpace(rule.Name)) Add("Name", "required");
        else if (rule.Name.Length > MaxNameLength || rule.Name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            Add("Name", $"'{rule.Name}' must be 1 to {MaxNameLength} letters, digits, '-', '_' or '.'");

        SmtpStage? stage = null;
        if (string.IsNullOrWhiteSpace(rule.Stage)) Add("Stage", $"required: one of {FaultStages.List}");
        else if (FaultStages.TryParse(rule.Stage, out var parsed)) stage = parsed;
        else Add("Stage", $"'{rule.Stage}' is not one of {FaultStages.List}");

        if (rule.Account is not null && string.IsNullOrWhiteSpace(rule.Account)) Add("Account", "must not be empty");
        if (rule.ClientIp is not null && !IpPrefix.TryParse(rule.ClientIp, out _)) Add("ClientIp", $"'{rule.ClientIp}' is not an IP address or CIDR range");
        Pattern(rule.Helo, "Helo", SmtpStage.Helo, "the HELO name is known");
        Pattern(rule.MailFrom, "MailFrom", SmtpStage.Mail, "MAIL FROM is known");
        Pattern(rule.RcptTo, "RcptTo", SmtpStage.Rcpt, "RCPT TO is known");
        Token(rule.Subject, "Subject");
        Token(rule.Header, "Header");

        if (rule.EveryNth is { } nth && nth is < 1 or > 1_000_000) Add("EveryNth", $"must be between 1 and 1000000 (got {nth})");
        if (rule.Probability is { } p && !(p > 0 && p <= 1)) Add("Probability", $"must be more than 0 and at most 1 (got {p})");
        if (rule.Seed is not null && rule.Probability is null) Add("Seed", $"only with {name("Probability")}");
        if (rule.MaxHits is { } max && max < 1) Add("MaxHits", $"must be at least 1 (got {max})");

        var close = rule.Close == true;
        if (rule.Reply is { } reply) ValidateReply(reply, Add, name);
        if (rule.Delay is { } delay && (delay <= TimeSpan.Zero || delay > SmtpFault.MaxDelay))
            Add("Delay", $"must be more than 00:00:00 and at most {SmtpFault.MaxDelay:c} (got {delay:c})");
        if (close && rule.Reply is not null) Add("Close", $"closes without a reply: not with {name("Reply")}");
        if (close && rule.TarpitOctetsPerSecond is not null) Add("Close", $"closes without a reply: not with {name("TarpitOctetsPerSecond")}");
        if (close && rule.CloseAfterOctets is not null) Add("Close", $"not with {name("CloseAfterOctets")}");
        if (rule.CloseAfterOctets is { } octets)
        {
            if (octets < 0) Add("CloseAfterOctets", $"must be at least 0 (got {octets})");
            if (stage is not null and not (SmtpStage.Data or SmtpStage.Bdat)) Add("CloseAfterOctets", $"only at the data and bdat stages (this rule's is {FaultStages.Name(stage.Value)})");
            if (rule.Reply is not null) Add("CloseAfterOctets", $"closes without a reply: not with {name("Reply")}");
            if (rule.TarpitOctetsPerSecond is not null) Add("CloseAfterOctets", $"closes without a reply: not with {name("TarpitOctetsPerSecond")}");
        }
        if (rule.TarpitOctetsPerSecond is { } rate && rate is < 1 or > 1_000_000) Add("TarpitOctetsPerSecond", $"must be between 1 and 1000000 (got {rate})");
        if (rule.Reply is null && rule.Delay is null && !close && rule.CloseAfterOctets is null && rule.TarpitOctetsPerSecond is null)
            errors.Add($"{(name("") is { Length: > 0 } whole ? whole + ": " : "")}no action: give {name("Reply")}, {name("Delay")}, {name("Close")}, {name("CloseAfterOctets")} or {name("TarpitOctetsPerSecond")}");
        return errors;

        void Pattern(string? pattern, string field, SmtpStage from, string known)
        {
            if (pattern is null) return;
            if (string.IsNullOrWhiteSpace(pattern) || pattern.Length > MaxPatternLength) Add(field, $"must be 1 to {MaxPatternLength} characters");
            else if (stage is { } s && s < from) Add(field, $"not at the {FaultStages.Name(s)} stage: only once {known}");
        }

        void Token(string? token, string field)
        {
            if (token is null) return;
            if (string.IsNullOrWhiteSpace(token) || token.Length > MaxPatternLength) Add(field, $"must be 1 to {MaxPatternLength} characters");
            else if (stage is { } s && s != SmtpStage.EndOfData) Add(field, $"only at the end-of-data stage (this rule's is {FaultStages.Name(s)})");
        }
    }

    private static void ValidateReply(FaultReplyOptions reply, Action<string, string> add, Func<string, string> name)
    {
        if (reply.Code is not { } code) add("Reply:Code", "required: 400 to 599");
        else if (code is < 400 or > 599) add("Reply:Code", $"must be between 400 and 599 (got {code})");
        if (reply.EnhancedCode is { Length: > 0 } enhanced)
        {
            if (!EnhancedCodePattern().IsMatch(enhanced)) add("Reply:EnhancedCode", $"'{enhanced}' is not an RFC 3463 code such as 4.7.1");
            else if (reply.Code is { } c && enhanced[0] - '0' != c / 100) add("Reply:EnhancedCode", $"'{enhanced}' is not of the class of {name("Reply:Code")} {c}");
        }
        if (reply.Text is null) return;
        var lines = reply.Text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        if (lines.Length > MaxReplyLines) add("Reply:Text", $"at most {MaxReplyLines} lines (got {lines.Length})");
        else if (lines.Any(l => l.Length == 0 || l.Length > MaxReplyLineLength)) add("Reply:Text", $"each line must be 1 to {MaxReplyLineLength} characters");
        else if (lines.Any(l => l.Any(ch => ch is < ' ' or > '~'))) add("Reply:Text", "printable ASCII only ('\\n' between lines)");
    }

    [GeneratedRegex(@"^[245]\.[0-9]{1,3}\.[0-9]{1,3}$")]
    private static partial Regex EnhancedCodePattern();

    /// <summary>The API's spelling of a field: "Reply:Code" → "reply.code"; "" → "" (a problem of the whole rule).</summary>
    public static string JsonName(string field) => field.Length == 0 ? ""
        : string.Join('.', field.Split(':').Select(part => char.ToLowerInvariant(part[0]) + part[1..]));
}
