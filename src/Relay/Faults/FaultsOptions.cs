namespace SmarthostLab.Relay.Faults;

/// <summary>The <c>Faults</c> section (issue 14): fault rules loaded at start; the admin API adds and removes more at run time.</summary>
public sealed class FaultsOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Faults";

    /// <summary>The rules, tried in order; the first that hits at a stage acts there.</summary>
    public List<FaultRuleOptions> Rules { get; set; } = [];

    /// <summary>
    /// Binds <c>Faults:Rules</c> rule by rule: the configuration binder drops a list item it cannot convert without a
    /// word, which would quietly lose a rule; here a bad value throws <see cref="InvalidOperationException"/> naming its key.
    /// </summary>
    public static FaultsOptions Bind(Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new FaultsOptions();
        foreach (var item in configuration.GetSection(Section + ":Rules").GetChildren())
        {
            var rule = new FaultRuleOptions();
            Microsoft.Extensions.Configuration.ConfigurationBinder.Bind(item, rule);
            options.Rules.Add(rule);
        }
        return options;
    }
}

/// <summary>
/// One fault rule, as configured (<c>Faults:Rules:N</c>) and as posted to <c>POST /api/v1/faults</c> (the same
/// fields in camelCase JSON). Every match field given must match (unset fields match anything); then
/// <see cref="EveryNth"/>, <see cref="Probability"/> and <see cref="MaxHits"/> decide whether this match is a hit.
/// A hit applies the actions: <see cref="Delay"/>, then <see cref="Close"/>, <see cref="CloseAfterOctets"/> or
/// <see cref="Reply"/>, and <see cref="TarpitOctetsPerSecond"/> for the reply sent.
/// </summary>
public sealed class FaultRuleOptions
{
    /// <summary>Unique name (letters, digits, '-', '_', '.'; at most 64): the refusal reason is <c>fault:&lt;name&gt;</c>.</summary>
    public string? Name { get; set; }

    /// <summary>connect, helo, starttls, mail, rcpt, data, bdat or end-of-data (case and '-'/'_' ignored).</summary>
    public string? Stage { get; set; }

    /// <summary>The admitted account's name (case-insensitive); an unregistered client has none and never matches.</summary>
    public string? Account { get; set; }

    /// <summary>The client's IP address or CIDR range.</summary>
    public string? ClientIp { get; set; }

    /// <summary>Glob (<c>*</c>, <c>?</c>, case-insensitive) on the HELO/EHLO name; from the helo stage on.</summary>
    public string? Helo { get; set; }

    /// <summary>Glob on the MAIL FROM address without angle brackets (<c>&lt;&gt;</c> matches the null sender); from the mail stage on.</summary>
    public string? MailFrom { get; set; }

    /// <summary>Glob on the RCPT TO address: at rcpt the recipient asked for; at data, bdat and end-of-data any recipient.</summary>
    public string? RcptTo { get; set; }

    /// <summary>Text the Subject must contain (case-insensitive); end-of-data only.</summary>
    public string? Subject { get; set; }

    /// <summary>Text any header line ("Field: value", unfolded) must contain (case-insensitive); end-of-data only.</summary>
    public string? Header { get; set; }

    /// <summary>Only every Nth match is a hit (the Nth, 2Nth, …), counted per rule.</summary>
    public int? EveryNth { get; set; }

    /// <summary>Chance (0 to 1] that a match is a hit, drawn from the rule's own generator seeded with <see cref="Seed"/>.</summary>
    public double? Probability { get; set; }

    /// <summary>Seed of <see cref="Probability"/>'s generator (default 0): the same matches give the same hits on every run.</summary>
    public int? Seed { get; set; }

    /// <summary>The rule stops hitting after this many hits.</summary>
    public int? MaxHits { get; set; }

    /// <summary>A 4xx or 5xx reply sent in place of the normal one.</summary>
    public FaultReplyOptions? Reply { get; set; }

    /// <summary>Wait before answering (or closing), at most 00:15:00.</summary>
    public TimeSpan? Delay { get; set; }

    /// <summary>Close the connection without a reply.</summary>
    public bool? Close { get; set; }

    /// <summary>data and bdat only: read this many octets of message data, then close without a reply (nothing stored).</summary>
    public long? CloseAfterOctets { get; set; }

    /// <summary>Write the reply (the rule's or the normal one) at this many octets per second.</summary>
    public int? TarpitOctetsPerSecond { get; set; }
}

/// <summary>The reply of a fault rule.</summary>
public sealed class FaultReplyOptions
{
    /// <summary>400-599. At connect: 5xx opens a refused session (only QUIT accepted), 4xx closes after the reply; 421 closes at any stage.</summary>
    public int? Code { get; set; }

    /// <summary>RFC 3463 code of the same class, e.g. 4.7.1; default class.0.0; "" for none.</summary>
    public string? EnhancedCode { get; set; }

    /// <summary>Printable ASCII text; '\n' separates the lines of a multi-line reply. Default "SmarthostLab fault rule &lt;name&gt;".</summary>
    public string? Text { get; set; }
}
