using System.Net;
using System.Net.Sockets;
using System.Text;
using SmarthostLab.Verification.Spf;

namespace SmarthostLab.Fuzz.Targets;

/// <summary>
/// The SPF record parser (RFC 7208 4.5, 12) and macro strings (7.1, 7.3), on the input read as a TXT record's octets
/// (Latin-1), as it is and behind "v=spf1 ". Invariants: parsing never throws (<see cref="SpfRecord.Parse"/> only
/// <see cref="FormatException"/>, exactly when TryParse fails, with a reason); a parsed record keeps its text, its terms
/// hold no space, and written back from its parts (mechanisms, then redirect=, exp= and unknown modifiers) it re-parses
/// to the same record; a mechanism's network has its kind's address family; every macro-string re-parses from its text
/// and expands without throwing for an IPv4 and an IPv6 client.
/// </summary>
public static class SpfTarget
{
    private static readonly SpfCheckState[] States =
    [
        new(IPAddress.Parse("192.0.2.3"), "strong-bad@email.example.com", "mx.example.org", new SpfOptions { ReceivingHost = "fuzz.test" }, DateTimeOffset.UnixEpoch),
        new(IPAddress.Parse("2001:db8::cb01"), "postmaster", "", SpfOptions.Default, DateTimeOffset.UnixEpoch),
    ];

    /// <summary>Runs the target on one input.</summary>
    public static void Run(ReadOnlySpan<byte> input)
    {
        var text = Encoding.Latin1.GetString(input);
        Check(text);
        if (!SpfRecord.IsSpfRecord(text)) Check("v=spf1 " + text);
        foreach (var explanation in (bool[])[false, true])
        {
            if (SpfMacroString.TryParse(text, explanation, out var macro, out _)) CheckMacro(macro!, explanation);
        }
    }

    private static void Check(string text)
    {
        var ok = SpfRecord.TryParse(text, out var record, out var error);
        FuzzInvariantException.Check(ok == (record is not null) && ok == (error is null), "TryParse's result, record and error disagree");
        try
        {
            var parsed = SpfRecord.Parse(text);
            FuzzInvariantException.Check(ok && Describe(parsed) == Describe(record!), "Parse and TryParse disagree");
        }
        catch (FormatException e)
        {
            FuzzInvariantException.Check(!ok && e.Message == error, "Parse threw FormatException for a record TryParse accepts");
        }
        if (!ok)
        {
            FuzzInvariantException.Check(error!.Length > 0, "a refused record without a reason");
            return;
        }

        var r = record!;
        FuzzInvariantException.Check(r.Text == text, "the record does not keep its text");
        var terms = r.Mechanisms.Select(m => m.Text)
            .Concat(new[] { r.Redirect, r.Explanation }.Where(m => m is not null).Select(m => m!.Text))
            .Concat(r.UnknownModifiers.Select(m => m.Text))
            .ToList();
        foreach (var term in terms)
            FuzzInvariantException.Check(term.Length > 0 && !term.Contains(' '), () => $"term '{term}' is empty or holds a space");
        FuzzInvariantException.Check(r.DnsLookupTerms <= r.Mechanisms.Count + 1, "more DNS-querying terms than terms");

        var rebuilt = "v=spf1" + string.Concat(terms.Select(t => " " + t));
        FuzzInvariantException.Check(SpfRecord.TryParse(rebuilt, out var again, out var againError), () => $"'{rebuilt}' (written back) fails: {againError}");
        var (a, b) = (Describe(r), Describe(again!));
        FuzzInvariantException.Check(a == b, () => $"written back, the record parses differently:\n{a}\n{b}");

        foreach (var m in r.Mechanisms)
        {
            if (m.Kind == SpfMechanismKind.Ip4) FuzzInvariantException.Check(m.Network?.AddressFamily == AddressFamily.InterNetwork && m.Cidr4 is >= 0 and <= 32, () => $"ip4 term '{m.Text}' holds {m.Network}/{m.Cidr4}");
            if (m.Kind == SpfMechanismKind.Ip6) FuzzInvariantException.Check(m.Network?.AddressFamily == AddressFamily.InterNetworkV6 && m.Cidr6 is >= 0 and <= 128, () => $"ip6 term '{m.Text}' holds {m.Network}/{m.Cidr6}");
            FuzzInvariantException.Check(m.Cidr4 is >= 0 and <= 32 && m.Cidr6 is >= 0 and <= 128, () => $"term '{m.Text}': CIDR lengths {m.Cidr4}/{m.Cidr6}");
            if (m.DomainSpec is { } spec) CheckMacro(spec, false);
        }
        if (r.Redirect is { } redirect) CheckMacro(redirect.Value, false);
        if (r.Explanation is { } exp) CheckMacro(exp.Value, false);
    }

    private static void CheckMacro(SpfMacroString macro, bool explanation)
    {
        FuzzInvariantException.Check(SpfMacroString.TryParse(macro.Text, explanation, out var again, out var error),
            () => $"macro-string '{macro.Text}' does not re-parse: {error}");
        foreach (var state in States)
        {
            var expanded = macro.Expand(state, "fuzz.example.com");
            FuzzInvariantException.Check(expanded == again!.Expand(state, "fuzz.example.com"), () => $"'{macro.Text}' expands differently once re-parsed");
            if (macro.IsConstant) FuzzInvariantException.Check(expanded == macro.ConstantValue, "a constant macro-string expands to something else");
        }
    }

    /// <summary>Everything the evaluator uses from a record, as one string.</summary>
    private static string Describe(SpfRecord r)
    {
        var sb = new StringBuilder();
        foreach (var m in r.Mechanisms)
            sb.Append($"{m.Qualifier} {m.Kind} [{m.DomainSpec?.Text}] {m.Network} /{m.Cidr4} //{m.Cidr6}; ");
        sb.Append($"redirect=[{r.Redirect?.Value.Text}] exp=[{r.Explanation?.Value.Text}] ");
        foreach (var u in r.UnknownModifiers) sb.Append($"{u.Name}=[{u.Value.Text}] ");
        sb.Append($"all={r.HasAll} lookups={r.DnsLookupTerms}");
        return sb.ToString();
    }
}
