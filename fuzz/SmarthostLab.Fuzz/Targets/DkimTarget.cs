using System.Text;
using SmarthostLab.Verification;
using SmarthostLab.Verification.Dkim;
using SmarthostLab.Verification.Dmarc;

namespace SmarthostLab.Fuzz.Targets;

/// <summary>
/// The tag=value lists of RFC 6376 3.2 (<see cref="TagList"/>) and what is built on them: DKIM-Signature values
/// (<see cref="DkimSignatureHeader"/>), DKIM key records (<see cref="DkimKeyRecord"/>, with its base64 and ASN.1 key
/// decoding) and DMARC records (<see cref="DmarcRecord"/>), on the input read as Latin-1 (TXT octets) and as UTF-8
/// (header text). Invariants: none of them throws; a tag list has valid, unique names and trimmed values and, written
/// back as "name=value;", parses to the same list; a refused list's reason is one line; an accepted signature has a
/// lower-case d= without a trailing dot, an s=, a signed From and l= ≥ -1; a refused key record says why, in one line;
/// a DMARC record's pct= is 0–100.
/// </summary>
public static class DkimTarget
{
    private static readonly Encoding Utf8 = new UTF8Encoding(false, throwOnInvalidBytes: false);

    /// <summary>Runs the target on one input.</summary>
    public static void Run(ReadOnlySpan<byte> input)
    {
        var latin1 = Encoding.Latin1.GetString(input);
        Check(latin1);
        var utf8 = Utf8.GetString(input);
        if (utf8 != latin1) Check(utf8);
    }

    private static void Check(string text)
    {
        CheckTagList(text);
        CheckSignature(text);
        CheckKeyRecord(text);
        CheckDmarc(text);
        if (!DmarcRecord.IsDmarcRecord(text)) CheckDmarc("v=DMARC1; " + text);
    }

    private static void CheckTagList(string text)
    {
        if (!TagList.TryParse(text, out var tags, out var error))
        {
            FuzzInvariantException.Check(!string.IsNullOrEmpty(error) && OneLine(error), () => $"tag-list refusal is not one line: '{error}'");
            return;
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in tags.Tags)
        {
            FuzzInvariantException.Check(names.Add(name), () => $"tag {name}= twice");
            FuzzInvariantException.Check(name.Length > 0 && char.IsAsciiLetter(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'),
                () => $"invalid tag name '{name}' accepted");
            FuzzInvariantException.Check(!value.Contains(';') && value == value.Trim(' ', '\t', '\r', '\n'), () => $"value of {name}= is not trimmed or holds ';'");
            FuzzInvariantException.Check(tags[name] == value, () => $"the indexer's {name}= differs from the list's");
        }
        var rebuilt = string.Concat(tags.Tags.Select(t => $"{t.Key}={t.Value};"));
        FuzzInvariantException.Check(TagList.TryParse(rebuilt, out var again, out var againError), () => $"'{rebuilt}' (written back) fails: {againError}");
        FuzzInvariantException.Check(again.Tags.SequenceEqual(tags.Tags), () => $"'{rebuilt}' (written back) parses to other tags");
    }

    private static void CheckSignature(string text)
    {
        if (!DkimSignatureHeader.TryParse(text, out var h, out _, out var error))
        {
            FuzzInvariantException.Check(!string.IsNullOrEmpty(error), "a refused signature without a reason");
            return;
        }
        FuzzInvariantException.Check(h!.Domain.Length > 0 && h.Domain == h.Domain.ToLowerInvariant() && !h.Domain.EndsWith('.'), () => $"d= '{h.Domain}'");
        FuzzInvariantException.Check(h.Selector.Length > 0, "empty s= accepted");
        FuzzInvariantException.Check(h.SignedHeaders.Contains("from", StringComparer.OrdinalIgnoreCase), "a signature without From in h= accepted");
        FuzzInvariantException.Check(h.BodyLength >= -1, () => $"l= {h.BodyLength}");
        FuzzInvariantException.Check(h.BodyHash.Length > 0 && h.Signature.Length > 0, "empty bh= or b= accepted");
        FuzzInvariantException.Check(h.Hash is "sha1" or "sha256" && h.KeyType is "rsa" or "ed25519", () => $"a={h.AlgorithmText} gives {h.KeyType}-{h.Hash}");
    }

    private static void CheckKeyRecord(string text)
    {
        if (!DkimKeyRecord.TryParse(text, out var record, out var error))
        {
            FuzzInvariantException.Check(!string.IsNullOrEmpty(error) && OneLine(error), () => $"key record refusal is not one line: '{error}'");
            return;
        }
        var key = record!;
        FuzzInvariantException.Check(key.KeyType is "rsa" or "ed25519", () => $"k={key.KeyType} accepted");
        FuzzInvariantException.Check(key.IsRevoked ? key.KeyBits == 0 && key.PublicKey is null : key.KeyBits > 0 && key.PublicKey is not null,
            () => $"key of {key.KeyBits} bits, revoked={key.IsRevoked}");
        if (key.KeyType == "ed25519" && !key.IsRevoked) FuzzInvariantException.Check(key.KeyBits == 256, "an Ed25519 key that is not 256 bits");
    }

    private static void CheckDmarc(string text)
    {
        var ok = DmarcRecord.TryParse(text, out var record, out var errors);
        FuzzInvariantException.Check(ok == (record is not null), "TryParse's result and record disagree");
        FuzzInvariantException.Check(ok || errors.Count > 0, "a refused DMARC record without a reason");
        foreach (var e in errors) FuzzInvariantException.Check(!string.IsNullOrEmpty(e), "an empty DMARC problem");
        if (record is null) return;
        FuzzInvariantException.Check(record.Percent is >= 0 and <= 100, () => $"pct={record.Percent}");
        FuzzInvariantException.Check(record.ReportInterval >= 0, () => $"ri={record.ReportInterval}");
        _ = record.PolicyFor(true);
        _ = record.PolicyFor(false);
    }

    private static bool OneLine(string s) => s.IndexOfAny(['\r', '\n']) < 0;
}
