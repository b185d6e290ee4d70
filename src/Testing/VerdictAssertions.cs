using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using SmarthostLab.Contracts;

namespace SmarthostLab.Testing;

/// <summary>
/// Assertions on a message's verdict (docs/API.md, <c>Verdict</c>) that throw <see cref="SmarthostAssertionException"/>
/// with what was expected and what the relay found, in any test framework. Each returns the message, so they chain:
/// <c>message.ShouldPassSpf().ShouldBeDkimSignedBy("contoso.test").ShouldPassDmarc()</c>. Results are the RFC words the
/// API uses (<c>pass</c>, <c>fail</c>, <c>softfail</c>, …).
/// </summary>
public static class VerdictAssertions
{
    /// <summary>
    /// The message's verdict, or null when it was stored without one (<c>Verification:Enabled=false</c>): the same as
    /// <see cref="MessageResponse.Verdict"/>, which is typed since the contracts became one assembly (kept for callers of 0.1).
    /// </summary>
    public static Verdict? ReadVerdict(this MessageResponse message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Verdict;
    }

    /// <summary>SPF of the egress evaluation (what receivers see after the relay forwards it, and what DMARC uses) is <paramref name="result"/>.</summary>
    public static MessageResponse ShouldHaveSpf(this MessageResponse message, string result)
    {
        var expected = Word(result, ApiJson.Context.SpfResult);
        var spf = VerdictOf(message).Spf;
        if (spf.Result != expected)
            throw Failure(message, $"SPF {result} (egress evaluation)", $"SPF {Word(spf.Result, ApiJson.Context.SpfResult)}: {Describe(spf)}");
        return message;
    }

    /// <summary>SPF of the egress evaluation passes.</summary>
    public static MessageResponse ShouldPassSpf(this MessageResponse message) => message.ShouldHaveSpf("pass");

    /// <summary>SPF for the sending client's own address (does the domain's record cover its server?) is <paramref name="result"/>.</summary>
    public static MessageResponse ShouldHaveClientSpf(this MessageResponse message, string result)
    {
        var expected = Word(result, ApiJson.Context.SpfResult);
        var spf = VerdictOf(message).SpfClient;
        if (spf.Result != expected)
            throw Failure(message, $"client SPF {result}", $"client SPF {Word(spf.Result, ApiJson.Context.SpfResult)}: {Describe(spf)}");
        return message;
    }

    /// <summary>
    /// A DKIM signature has <paramref name="result"/> (the relay's own signature counts, as receivers will see it), or
    /// with <c>none</c>: the message has no DKIM signature.
    /// </summary>
    public static MessageResponse ShouldHaveDkim(this MessageResponse message, string result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var signatures = VerdictOf(message).Dkim;
        if (result == "none")
        {
            if (signatures.Count > 0) throw Failure(message, "no DKIM signature", Describe(signatures));
            return message;
        }
        var expected = Word(result, ApiJson.Context.DkimResult);
        if (!signatures.Any(s => s.Result == expected)) throw Failure(message, $"a DKIM signature with result {result}", Describe(signatures));
        return message;
    }

    /// <summary>A DKIM signature passes.</summary>
    public static MessageResponse ShouldPassDkim(this MessageResponse message) => message.ShouldHaveDkim("pass");

    /// <summary>
    /// A DKIM signature with <c>d=</c><paramref name="domain"/> (and <c>s=</c><paramref name="selector"/> when given)
    /// passes: the relay signed it with the account's key (or the sender did) and the key in DNS verifies it.
    /// </summary>
    public static MessageResponse ShouldBeDkimSignedBy(this MessageResponse message, string domain, string? selector = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(domain);
        var signatures = VerdictOf(message).Dkim;
        if (!signatures.Any(s => s.Result == DkimResult.Pass && SameName(s.Domain, domain) && (selector is null || SameName(s.Selector, selector))))
            throw Failure(message, $"a passing DKIM signature by d={domain}{(selector is null ? "" : $" s={selector}")}", Describe(signatures));
        return message;
    }

    /// <summary>DMARC is <paramref name="result"/>.</summary>
    public static MessageResponse ShouldHaveDmarc(this MessageResponse message, string result)
    {
        var expected = Word(result, ApiJson.Context.DmarcResult);
        var dmarc = VerdictOf(message).Dmarc;
        if (dmarc.Result != expected)
            throw Failure(message, $"DMARC {result}", $"DMARC {Word(dmarc.Result, ApiJson.Context.DmarcResult)}: {Describe(dmarc)}");
        return message;
    }

    /// <summary>DMARC passes (an aligned SPF or DKIM pass for the From domain).</summary>
    public static MessageResponse ShouldPassDmarc(this MessageResponse message) => message.ShouldHaveDmarc("pass");

    /// <summary>What the relay did with it after the account's policy: <c>accept</c>, <c>tag</c>, <c>quarantine</c>.</summary>
    public static MessageResponse ShouldHaveAction(this MessageResponse message, string action)
    {
        var expected = Word(action, ApiJson.Context.VerdictAction);
        var verdict = VerdictOf(message);
        if (verdict.Action != expected)
            throw Failure(message, $"action {action}", $"action {Word(verdict.Action, ApiJson.Context.VerdictAction)} (DMARC {Word(verdict.Dmarc.Result, ApiJson.Context.DmarcResult)}: {Describe(verdict.Dmarc)})");
        return message;
    }

    private static Verdict VerdictOf(MessageResponse message) =>
        message.ReadVerdict() ?? throw new SmarthostAssertionException(
            $"{Name(message)} has no verdict: it was stored with verification off (Verification:Enabled=false)");

    private static SmarthostAssertionException Failure(MessageResponse message, string expected, string found) =>
        new($"Expected {expected} for {Name(message)}, but found {found}.");

    private static string Name(MessageResponse message) =>
        $"message {message.Id} (Subject '{message.Subject}', MAIL FROM <{message.MailFrom}>, client {message.ClientIp})";

    private static string Describe(SpfVerdict spf) =>
        $"{spf.Domain} for {spf.Ip}" + Details(("reason", spf.Reason), ("record", spf.Record), ("explanation", spf.Explanation));

    private static string Describe(DmarcVerdict dmarc) =>
        $"From domain {dmarc.FromDomain ?? "(none)"}, policy {dmarc.Policy ?? "(no record)"}, SPF aligned: {YesNo(dmarc.SpfAligned)}, DKIM aligned: {YesNo(dmarc.DkimAligned)}"
        + Details(("reason", dmarc.Reason), ("record", dmarc.Record));

    private static string Describe(IReadOnlyList<DkimVerdict> signatures) =>
        signatures.Count == 0 ? "no DKIM signature" : "DKIM " + string.Join("; ", signatures.Select(s =>
            $"{Word(s.Result, ApiJson.Context.DkimResult)} d={s.Domain} s={s.Selector} {s.Algorithm}" + Details(("reason", s.Reason))));

    private static string Details(params (string Name, string? Value)[] details)
    {
        var given = details.Where(d => !string.IsNullOrEmpty(d.Value)).Select(d => $"{d.Name}: {d.Value}").ToList();
        return given.Count == 0 ? "" : $" ({string.Join("; ", given)})";
    }

    private static string YesNo(bool value) => value ? "yes" : "no";

    private static bool SameName(string? a, string b) => a is not null && a.TrimEnd('.').Equals(b.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);

    /// <summary>An enum value as the API writes it ("pass", "softfail", …), through the relay's own JSON contract.</summary>
    private static string Word<T>(T value, JsonTypeInfo<T> type) where T : struct, Enum =>
        JsonSerializer.SerializeToElement(value, type).GetString()!;

    /// <summary>A result word as the enum value the API reads it as.</summary>
    /// <exception cref="ArgumentException">Not one of the API's words for <typeparamref name="T"/>.</exception>
    private static T Word<T>(string word, JsonTypeInfo<T> type) where T : struct, Enum
    {
        ArgumentNullException.ThrowIfNull(word);
        foreach (var value in Enum.GetValues<T>())
        {
            if (Word(value, type) == word) return value;
        }
        throw new ArgumentException($"'{word}' is not one of {string.Join(", ", Enum.GetValues<T>().Select(v => Word(v, type)))}", nameof(word));
    }
}
