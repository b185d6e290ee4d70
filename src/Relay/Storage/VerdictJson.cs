using System.Text.Json;
using SmarthostLab.Relay.Api;
using SmarthostLab.Verification;
using SmarthostLab.Verification.AuthResults;

namespace SmarthostLab.Relay.Storage;

/// <summary>The verdict as stored (JSON, the API's shape) and the result words of the filter columns.</summary>
public static class VerdictJson
{
    /// <summary>The verdict's JSON.</summary>
    public static string Serialize(Verdict verdict) => JsonSerializer.Serialize(verdict, RelayJson.Context.Verdict);

    /// <summary>An enum's lower-case RFC word as serialized (e.g. SpfResult.SoftFail → softfail).</summary>
    public static string Word<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    /// <summary>The SPF result's RFC word, the one the Authentication-Results header uses (no string built per message).</summary>
    public static string Word(SpfResult value) => AuthenticationResultsHeader.Word(value);

    /// <summary>The DKIM result's RFC word, as in the Authentication-Results header.</summary>
    public static string Word(DkimResult value) => AuthenticationResultsHeader.Word(value);

    /// <summary>The DMARC result's RFC word, as in the Authentication-Results header.</summary>
    public static string Word(DmarcResult value) => AuthenticationResultsHeader.Word(value);

    /// <summary>
    /// The DKIM filter column: every distinct signature result, space-separated in header order (e.g. "pass fail"),
    /// or "none" for an unsigned message; <c>dkim=WORD</c> matches a message with any signature of that result.
    /// </summary>
    public static string DkimWord(Verdict verdict) =>
        verdict.Dkim.Count == 0 ? "none" : string.Join(' ', verdict.Dkim.Select(d => Word(d.Result)).Distinct());
}
