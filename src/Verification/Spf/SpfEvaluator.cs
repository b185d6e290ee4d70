using System.Net;
using SmarthostLab.Verification.Dns;

namespace SmarthostLab.Verification.Spf;

/// <summary>
/// RFC 7208 check_host(): record selection (4.5), evaluation of mechanisms (5) and modifiers (6),
/// macros (7), the DNS-lookup and void-lookup limits (4.6.4) and the error results (2.6.6, 2.6.7).
/// Its only edge is <see cref="IDnsResolver"/>; parsed records are cached by their text, so a check
/// on a warm DNS cache costs no parsing. Safe for concurrent use.
/// </summary>
public sealed class SpfEvaluator
{
    private const int RecordCacheLimit = 10_000;
    private readonly ParseCache<ParsedRecord> records = new(RecordCacheLimit);
    private readonly SpfOptions options;

    /// <summary>Creates an evaluator with the RFC's default limits.</summary>
    public SpfEvaluator(IDnsResolver dns)
        : this(dns, SpfOptions.Default)
    {
    }

    /// <summary>Creates an evaluator with explicit limits.</summary>
    public SpfEvaluator(IDnsResolver dns, SpfOptions options)
    {
        Dns = dns ?? throw new ArgumentNullException(nameof(dns));
        this.options = options ?? throw new ArgumentNullException(nameof(options));
    }

    /// <summary>The resolver used for every lookup.</summary>
    public IDnsResolver Dns { get; }

    /// <summary>
    /// Evaluates the MAIL FROM identity (RFC 7208 2.4): for a null sender (empty <paramref name="mailFrom"/>)
    /// the identity is postmaster@<paramref name="helo"/> and the verdict's Identity is "helo".
    /// A sender without a local-part gets "postmaster" (RFC 7208 4.3).
    /// </summary>
    public Task<SpfVerdict> CheckMailFromAsync(IPAddress ip, string mailFrom, string helo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ip);
        var from = (mailFrom ?? string.Empty).Trim();
        if (from.StartsWith('<') && from.EndsWith('>'))
        {
            from = from[1..^1];
        }

        if (from.Length == 0)
        {
            return CheckHeloAsync(ip, helo, cancellationToken);
        }

        var at = from.LastIndexOf('@');
        string domain;
        string sender;
        if (at < 0)
        {
            domain = from;
            sender = "postmaster@" + from;
        }
        else
        {
            domain = from[(at + 1)..];
            sender = at == 0 ? "postmaster" + from : from;
        }

        return CheckAsync(ip, domain, sender, helo ?? string.Empty, "mailfrom", cancellationToken);
    }

    /// <summary>Evaluates the HELO identity on its own (RFC 7208 2.3): check_host(ip, helo, postmaster@helo).</summary>
    public Task<SpfVerdict> CheckHeloAsync(IPAddress ip, string helo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ip);
        helo ??= string.Empty;
        return CheckAsync(ip, helo, "postmaster@" + helo, helo, "helo", cancellationToken);
    }

    /// <summary>check_host(ip, domain, sender) with <paramref name="helo"/> for the %{h} macro (RFC 7208 4).</summary>
    public Task<SpfVerdict> CheckHostAsync(IPAddress ip, string domain, string sender, string helo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ip);
        return CheckAsync(ip, domain ?? string.Empty, sender ?? string.Empty, helo ?? string.Empty, "mailfrom", cancellationToken);
    }

    private async Task<SpfVerdict> CheckAsync(IPAddress ip, string domain, string sender, string helo, string identity, CancellationToken cancellationToken)
    {
        var client = SpfAddress.Normalize(ip);
        var now = (options.TimeProvider ?? TimeProvider.System).GetUtcNow();
        var state = new SpfCheckState(client, sender, helo, options, now);
        var name = SpfDomainName.TrimDot(domain);
        SpfOutcome outcome;
        if (!SpfDomainName.IsValidIdentity(name))
        {
            // RFC 7208 4.3: a malformed or single-label domain gives "none".
            outcome = new SpfOutcome(SpfResult.None, $"'{domain}' is not a valid domain name");
        }
        else
        {
            outcome = await CheckHostAsync(state, name, wantExplanation: true, cancellationToken).ConfigureAwait(false);
        }

        return new SpfVerdict(outcome.Result, name, client.ToString(), identity, outcome.Explanation, outcome.Describe(),
            outcome.Record?.Text, outcome.Matched?.Text, outcome.Record is null ? null : outcome.Domain);
    }

    /// <summary>The recursive check_host() (RFC 7208 4): used for the initial domain, include and redirect.</summary>
    internal async ValueTask<SpfOutcome> CheckHostAsync(SpfCheckState state, string domain, bool wantExplanation, CancellationToken cancellationToken)
    {
        if (!SpfDomainName.IsValid(domain))
        {
            return new SpfOutcome(SpfResult.None, $"'{domain}' is not a valid domain name");
        }

        var answer = await Dns.QueryAsync(domain, DnsRecordType.TXT, cancellationToken).ConfigureAwait(false);
        if (answer.IsTemporaryFailure)
        {
            return new SpfOutcome(SpfResult.TempError, DnsFailure(answer, DnsRecordType.TXT, domain));
        }

        var selected = SelectRecord(answer, out var several);
        if (several)
        {
            return new SpfOutcome(SpfResult.PermError, $"more than one SPF record at {domain}");
        }

        if (selected is null)
        {
            return new SpfOutcome(SpfResult.None, $"no SPF record at {domain}");
        }

        var parsed = Parse(selected);
        if (parsed.Record is null)
        {
            return new SpfOutcome(SpfResult.PermError, $"syntax error in SPF record at {domain}: {parsed.Error}");
        }

        return await EvaluateAsync(state, domain, parsed.Record, wantExplanation, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Record selection (RFC 7208 4.5): exactly one TXT string starting "v=spf1".</summary>
    internal static string? SelectRecord(DnsAnswer answer, out bool several)
    {
        several = false;
        string? selected = null;
        for (var index = 0; index < answer.Records.Count; index++)
        {
            var record = answer.Records[index];
            if (record.Type != DnsRecordType.TXT)
            {
                continue;
            }

            var text = record.TextStrings is { Count: 1 } one ? one[0] : record.Text;
            if (!SpfRecord.IsSpfRecord(text))
            {
                continue;
            }

            if (selected is not null)
            {
                several = true;
                return null;
            }

            selected = text;
        }

        return selected;
    }

    internal ParsedRecord Parse(string text) =>
        records.GetOrAdd(text, static t => SpfRecord.TryParse(t, out var record, out var error) ? new ParsedRecord(record, null) : new ParsedRecord(null, error));

    private async ValueTask<SpfOutcome> EvaluateAsync(SpfCheckState state, string domain, SpfRecord record, bool wantExplanation, CancellationToken cancellationToken)
    {
        for (var index = 0; index < record.Mechanisms.Count; index++)
        {
            var mechanism = record.Mechanisms[index];
            SpfMatch match;
            switch (mechanism.Kind)
            {
                case SpfMechanismKind.All:
                    match = SpfMatch.Yes;
                    break;
                case SpfMechanismKind.Ip4 or SpfMechanismKind.Ip6:
                    match = IpPrefix.InRange(state.Ip, mechanism.Network!, state.IsIPv4 ? mechanism.Cidr4 : mechanism.Cidr6)
                        || (state.IsIPv4 && mechanism.Kind == SpfMechanismKind.Ip6 && mechanism.Network!.IsIPv4MappedToIPv6 && mechanism.Cidr6 >= 96
                            && IpPrefix.InRange(state.Ip, mechanism.Network.MapToIPv4(), mechanism.Cidr6 - 96))
                        ? SpfMatch.Yes
                        : SpfMatch.No;
                    break;
                default:
                    if (++state.Lookups > options.MaxDnsLookups)
                    {
                        return new SpfOutcome(SpfResult.PermError, $"more than {options.MaxDnsLookups} DNS lookups (at {mechanism.Text} in {domain})");
                    }

                    match = await MatchDnsAsync(state, domain, mechanism, cancellationToken).ConfigureAwait(false);
                    break;
            }

            if (match.Error is { } error)
            {
                return error;
            }

            if (!match.Matched)
            {
                continue;
            }

            string? explanation = null;
            if (mechanism.Qualifier == SpfResult.Fail && wantExplanation && record.Explanation is not null)
            {
                explanation = await ExplainAsync(state, domain, record.Explanation, cancellationToken).ConfigureAwait(false);
            }

            return new SpfOutcome(mechanism.Qualifier, null, explanation, mechanism, domain, record);
        }

        if (record.Redirect is { } redirect)
        {
            // RFC 7208 6.1: used only when no mechanism matched; counts as a DNS lookup.
            if (++state.Lookups > options.MaxDnsLookups)
            {
                return new SpfOutcome(SpfResult.PermError, $"more than {options.MaxDnsLookups} DNS lookups (at {redirect.Text} in {domain})");
            }

            var target = SpfDomainName.ToQueryName(await ExpandAsync(state, redirect.Value, domain, cancellationToken).ConfigureAwait(false));
            var result = await CheckHostAsync(state, target, wantExplanation, cancellationToken).ConfigureAwait(false);
            return result.Result == SpfResult.None
                ? new SpfOutcome(SpfResult.PermError, $"redirect target {target} of {domain}: {result.Describe()}")
                : result;
        }

        return new SpfOutcome(SpfResult.Neutral, null, Domain: domain, Record: record);
    }

    private ValueTask<SpfMatch> MatchDnsAsync(SpfCheckState state, string domain, SpfMechanism mechanism, CancellationToken cancellationToken)
        => mechanism.Kind switch
        {
            SpfMechanismKind.Include => MatchIncludeAsync(state, domain, mechanism, cancellationToken),
            SpfMechanismKind.A => MatchAAsync(state, domain, mechanism, cancellationToken),
            SpfMechanismKind.Mx => MatchMxAsync(state, domain, mechanism, cancellationToken),
            SpfMechanismKind.Ptr => MatchPtrAsync(state, domain, mechanism, cancellationToken),
            SpfMechanismKind.Exists => MatchExistsAsync(state, domain, mechanism, cancellationToken),
            _ => ValueTask.FromResult(SpfMatch.No),
        };

    /// <summary>include (RFC 7208 5.2): pass matches; fail/softfail/neutral do not; none is a permerror.</summary>
    private async ValueTask<SpfMatch> MatchIncludeAsync(SpfCheckState state, string domain, SpfMechanism mechanism, CancellationToken cancellationToken)
    {
        var target = await TargetAsync(state, domain, mechanism, cancellationToken).ConfigureAwait(false);
        var inner = await CheckHostAsync(state, target, wantExplanation: false, cancellationToken).ConfigureAwait(false);
        return inner.Result switch
        {
            SpfResult.Pass => SpfMatch.Yes,
            SpfResult.Fail or SpfResult.SoftFail or SpfResult.Neutral => SpfMatch.No,
            SpfResult.TempError => SpfMatch.Fail(SpfResult.TempError, inner.Describe()),
            SpfResult.None => SpfMatch.Fail(SpfResult.PermError, $"{mechanism.Text} in {domain}: {inner.Describe()}"),
            _ => SpfMatch.Fail(SpfResult.PermError, inner.Describe()),
        };
    }

    /// <summary>a (RFC 7208 5.3).</summary>
    private async ValueTask<SpfMatch> MatchAAsync(SpfCheckState state, string domain, SpfMechanism mechanism, CancellationToken cancellationToken)
    {
        var target = await TargetAsync(state, domain, mechanism, cancellationToken).ConfigureAwait(false);
        if (!SpfDomainName.IsValid(target, requireMultiLabel: false))
        {
            return CountVoid(state, domain);
        }

        var type = state.IsIPv4 ? DnsRecordType.A : DnsRecordType.AAAA;
        var answer = await Dns.QueryAsync(target, type, cancellationToken).ConfigureAwait(false);
        if (answer.IsTemporaryFailure)
        {
            return SpfMatch.Fail(SpfResult.TempError, DnsFailure(answer, type, target));
        }

        if (answer.Records.Count == 0)
        {
            return CountVoid(state, domain);
        }

        return MatchesAny(state, answer, mechanism) ? SpfMatch.Yes : SpfMatch.No;
    }

    /// <summary>mx (RFC 7208 5.4): more than 10 MX names is a permerror (RFC 7208 4.6.4).</summary>
    private async ValueTask<SpfMatch> MatchMxAsync(SpfCheckState state, string domain, SpfMechanism mechanism, CancellationToken cancellationToken)
    {
        var target = await TargetAsync(state, domain, mechanism, cancellationToken).ConfigureAwait(false);
        if (!SpfDomainName.IsValid(target, requireMultiLabel: false))
        {
            return CountVoid(state, domain);
        }

        var answer = await Dns.QueryAsync(target, DnsRecordType.MX, cancellationToken).ConfigureAwait(false);
        if (answer.IsTemporaryFailure)
        {
            return SpfMatch.Fail(SpfResult.TempError, DnsFailure(answer, DnsRecordType.MX, target));
        }

        var exchanges = 0;
        for (var index = 0; index < answer.Records.Count; index++)
        {
            var record = answer.Records[index];
            if (record.Type == DnsRecordType.MX)
            {
                exchanges++;
            }
        }

        if (exchanges == 0)
        {
            return CountVoid(state, domain);
        }

        if (exchanges > options.MaxNamesPerMechanism)
        {
            return SpfMatch.Fail(SpfResult.PermError, $"{target} has {exchanges} MX names, more than {options.MaxNamesPerMechanism} ({mechanism.Text} in {domain})");
        }

        var type = state.IsIPv4 ? DnsRecordType.A : DnsRecordType.AAAA;
        for (var index = 0; index < answer.Records.Count; index++)
        {
            var record = answer.Records[index];
            if (record.Type != DnsRecordType.MX || string.IsNullOrEmpty(record.Host) || record.Host == ".")
            {
                continue;
            }

            var host = SpfDomainName.TrimDot(record.Host);
            var addresses = await Dns.QueryAsync(host, type, cancellationToken).ConfigureAwait(false);
            if (addresses.IsTemporaryFailure)
            {
                return SpfMatch.Fail(SpfResult.TempError, DnsFailure(addresses, type, host));
            }

            if (MatchesAny(state, addresses, mechanism))
            {
                return SpfMatch.Yes;
            }
        }

        return SpfMatch.No;
    }

    /// <summary>ptr (RFC 7208 5.5): at most 10 PTR names are looked at; DNS errors make it not match.</summary>
    private async ValueTask<SpfMatch> MatchPtrAsync(SpfCheckState state, string domain, SpfMechanism mechanism, CancellationToken cancellationToken)
    {
        var target = await TargetAsync(state, domain, mechanism, cancellationToken).ConfigureAwait(false);
        var answer = await Dns.QueryAsync(SpfAddress.ReverseName(state.Ip), DnsRecordType.PTR, cancellationToken).ConfigureAwait(false);
        if (answer.IsTemporaryFailure)
        {
            return SpfMatch.No;
        }

        if (answer.Records.Count == 0)
        {
            return CountVoid(state, domain);
        }

        var type = state.IsIPv4 ? DnsRecordType.A : DnsRecordType.AAAA;
        var looked = 0;
        for (var index = 0; index < answer.Records.Count; index++)
        {
            var record = answer.Records[index];
            if (record.Type != DnsRecordType.PTR || string.IsNullOrEmpty(record.Host))
            {
                continue;
            }

            if (++looked > options.MaxNamesPerMechanism)
            {
                break;
            }

            if (!SpfDomainName.IsSameOrSubdomain(record.Host, target))
            {
                continue;
            }

            if (await ValidatesAsync(state, record.Host, type, cancellationToken).ConfigureAwait(false))
            {
                return SpfMatch.Yes;
            }
        }

        return SpfMatch.No;
    }

    /// <summary>exists (RFC 7208 5.7): an A query, whatever the client's address family.</summary>
    private async ValueTask<SpfMatch> MatchExistsAsync(SpfCheckState state, string domain, SpfMechanism mechanism, CancellationToken cancellationToken)
    {
        var target = await TargetAsync(state, domain, mechanism, cancellationToken).ConfigureAwait(false);
        if (!SpfDomainName.IsValid(target, requireMultiLabel: false))
        {
            return CountVoid(state, domain);
        }

        var answer = await Dns.QueryAsync(target, DnsRecordType.A, cancellationToken).ConfigureAwait(false);
        if (answer.IsTemporaryFailure)
        {
            return SpfMatch.Fail(SpfResult.TempError, DnsFailure(answer, DnsRecordType.A, target));
        }

        return answer.Records.Count == 0 ? CountVoid(state, domain) : SpfMatch.Yes;
    }

    private SpfMatch CountVoid(SpfCheckState state, string domain)
        => ++state.VoidLookups > options.MaxVoidLookups
            ? SpfMatch.Fail(SpfResult.PermError, $"more than {options.MaxVoidLookups} void DNS lookups (in {domain})")
            : SpfMatch.No;

    private static bool MatchesAny(SpfCheckState state, DnsAnswer answer, SpfMechanism mechanism)
    {
        var prefix = state.IsIPv4 ? mechanism.Cidr4 : mechanism.Cidr6;
        for (var index = 0; index < answer.Records.Count; index++)
        {
            var record = answer.Records[index];
            if (record.Address is { } address && IpPrefix.InRange(state.Ip, address, prefix))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Forward-confirms a reverse name: one of its addresses is the client's (RFC 7208 5.5).</summary>
    private async ValueTask<bool> ValidatesAsync(SpfCheckState state, string host, DnsRecordType type, CancellationToken cancellationToken)
    {
        var name = SpfDomainName.TrimDot(host);
        if (!SpfDomainName.IsValid(name, requireMultiLabel: false))
        {
            return false;
        }

        var answer = await Dns.QueryAsync(name, type, cancellationToken).ConfigureAwait(false);
        for (var index = 0; index < answer.Records.Count; index++)
        {
            var record = answer.Records[index];
            if (record.Address is { } address && address.Equals(state.Ip))
            {
                return true;
            }
        }

        return false;
    }

    private async ValueTask<string> TargetAsync(SpfCheckState state, string domain, SpfMechanism mechanism, CancellationToken cancellationToken)
        => mechanism.DomainSpec is null
            ? domain
            : SpfDomainName.ToQueryName(await ExpandAsync(state, mechanism.DomainSpec, domain, cancellationToken).ConfigureAwait(false));

    /// <summary>Macro expansion (RFC 7208 7.3); computes %{p} on first use.</summary>
    private async ValueTask<string> ExpandAsync(SpfCheckState state, SpfMacroString value, string domain, CancellationToken cancellationToken)
    {
        if (value.UsesValidatedName && state.ValidatedName is null)
        {
            state.ValidatedName = await ValidatedNameAsync(state, domain, cancellationToken).ConfigureAwait(false);
        }

        return value.Expand(state, domain);
    }

    /// <summary>%{p} (RFC 7208 7.3, 5.5): a validated reverse name, preferring the domain itself, then its subdomains.</summary>
    private async ValueTask<string> ValidatedNameAsync(SpfCheckState state, string domain, CancellationToken cancellationToken)
    {
        var answer = await Dns.QueryAsync(SpfAddress.ReverseName(state.Ip), DnsRecordType.PTR, cancellationToken).ConfigureAwait(false);
        var type = state.IsIPv4 ? DnsRecordType.A : DnsRecordType.AAAA;
        string? subdomain = null;
        string? any = null;
        var looked = 0;
        for (var index = 0; index < answer.Records.Count; index++)
        {
            var record = answer.Records[index];
            if (record.Type != DnsRecordType.PTR || string.IsNullOrEmpty(record.Host) || ++looked > options.MaxNamesPerMechanism)
            {
                continue;
            }

            if (!await ValidatesAsync(state, record.Host, type, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            var name = SpfDomainName.TrimDot(record.Host);
            if (name.Equals(domain, StringComparison.OrdinalIgnoreCase))
            {
                return name;
            }

            if (subdomain is null && SpfDomainName.IsSameOrSubdomain(name, domain))
            {
                subdomain = name;
            }

            any ??= name;
        }

        return subdomain ?? any ?? "unknown";
    }

    /// <summary>exp= (RFC 7208 6.2): any error means no explanation.</summary>
    private async ValueTask<string?> ExplainAsync(SpfCheckState state, string domain, SpfModifier exp, CancellationToken cancellationToken)
    {
        var target = SpfDomainName.ToQueryName(await ExpandAsync(state, exp.Value, domain, cancellationToken).ConfigureAwait(false));
        if (!SpfDomainName.IsValid(target, requireMultiLabel: false))
        {
            return null;
        }

        var answer = await Dns.QueryAsync(target, DnsRecordType.TXT, cancellationToken).ConfigureAwait(false);
        if (answer.Status != DnsStatus.NoError || answer.Records.Count != 1 || answer.Records[0].Type != DnsRecordType.TXT)
        {
            return null;
        }

        if (!SpfMacroString.TryParse(answer.Records[0].Text, explanation: true, out var text, out _))
        {
            return null;
        }

        return await ExpandAsync(state, text!, domain, cancellationToken).ConfigureAwait(false);
    }

    internal static string DnsFailure(DnsAnswer answer, DnsRecordType type, string name)
        => answer.Status == DnsStatus.Timeout
            ? $"DNS timeout looking up {type} {name}"
            : $"DNS server failure looking up {type} {name}";

    /// <summary>A parsed record or the syntax error that made it unusable.</summary>
    internal sealed record ParsedRecord(SpfRecord? Record, string? Error);
}
