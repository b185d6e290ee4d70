using MimeKit.Cryptography;

namespace SmarthostLab.Verification.Dkim;

/// <summary>
/// The tags of one DKIM-Signature header field (RFC 6376 3.5), validated per RFC 6376 6.1.1
/// (required tags, version, algorithm, From signed, i= within d=, x= not before t=).
/// </summary>
internal sealed class DkimSignatureHeader
{
    /// <summary>a= as written.</summary>
    public string AlgorithmText { get; private set; } = "";

    /// <summary>a= as MimeKit's enum.</summary>
    public DkimSignatureAlgorithm Algorithm { get; private set; }

    /// <summary>"sha1" or "sha256".</summary>
    public string Hash { get; private set; } = "";

    /// <summary>"rsa" or "ed25519".</summary>
    public string KeyType { get; private set; } = "";

    /// <summary>d= (lower case).</summary>
    public string Domain { get; private set; } = "";

    /// <summary>s=.</summary>
    public string Selector { get; private set; } = "";

    /// <summary>i=, if present.</summary>
    public string? Identity { get; private set; }

    /// <summary>h= split on ':'.</summary>
    public string[] SignedHeaders { get; private set; } = [];

    /// <summary>c= header canonicalization.</summary>
    public DkimCanonicalizationAlgorithm HeaderCanonicalization { get; private set; }

    /// <summary>c= body canonicalization.</summary>
    public DkimCanonicalizationAlgorithm BodyCanonicalization { get; private set; }

    /// <summary>l= or -1.</summary>
    public int BodyLength { get; private set; } = -1;

    /// <summary>bh= without white space.</summary>
    public string BodyHash { get; private set; } = "";

    /// <summary>b= without white space.</summary>
    public string Signature { get; private set; } = "";

    /// <summary>x= (seconds since the epoch), if present.</summary>
    public long? Expiration { get; private set; }

    /// <summary>
    /// Parses and validates a DKIM-Signature value. On failure <paramref name="partial"/> still holds
    /// whatever d=, s=, a= could be read, for the verdict.
    /// </summary>
    public static bool TryParse(string value, out DkimSignatureHeader? header, out (string? Domain, string? Selector, string? Algorithm, string? Identity, string? SignaturePrefix) partial, out string? error)
    {
        header = null;
        partial = default;
        if (!TagList.TryParse(value, out var tags, out error))
        {
            error = "malformed signature: " + error;
            return false;
        }

        partial = (tags["d"]?.ToLowerInvariant(), tags["s"], tags["a"], tags["i"], SignaturePrefixOf(tags["b"]));
        var h = new DkimSignatureHeader();
        foreach (var required in (string[])["v", "a", "b", "bh", "d", "h", "s"])
        {
            if (tags[required] is null)
            {
                error = $"signature missing required tag {required}=";
                return false;
            }
        }

        if (tags["v"] != "1")
        {
            error = $"unsupported signature version v={tags["v"]}";
            return false;
        }

        h.AlgorithmText = tags["a"]!;
        switch (h.AlgorithmText.ToLowerInvariant())
        {
            case "rsa-sha256":
                (h.Algorithm, h.Hash, h.KeyType) = (DkimSignatureAlgorithm.RsaSha256, "sha256", "rsa");
                break;
            case "rsa-sha1":
                (h.Algorithm, h.Hash, h.KeyType) = (DkimSignatureAlgorithm.RsaSha1, "sha1", "rsa");
                break;
            case "ed25519-sha256":
                (h.Algorithm, h.Hash, h.KeyType) = (DkimSignatureAlgorithm.Ed25519Sha256, "sha256", "ed25519");
                break;
            default:
                error = $"unsupported algorithm a={h.AlgorithmText}";
                return false;
        }

        h.Domain = tags["d"]!.ToLowerInvariant().TrimEnd('.');
        h.Selector = tags["s"]!;
        if (h.Domain.Length == 0 || h.Selector.Length == 0)
        {
            error = "empty d= or s=";
            return false;
        }

        h.SignedHeaders = TagList.StripWhiteSpace(tags["h"]!).Split(':', StringSplitOptions.RemoveEmptyEntries);
        if (!h.SignedHeaders.Contains("from", StringComparer.OrdinalIgnoreCase))
        {
            error = "From header not signed";
            return false;
        }

        h.BodyHash = TagList.StripWhiteSpace(tags["bh"]!);
        h.Signature = TagList.StripWhiteSpace(tags["b"]!);
        if (h.Signature.Length == 0 || h.BodyHash.Length == 0)
        {
            error = "empty b= or bh=";
            return false;
        }

        if (!TryParseCanonicalization(tags["c"], h, out error))
        {
            return false;
        }

        if (tags["l"] is { } l)
        {
            if (!int.TryParse(l, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length))
            {
                error = $"invalid l={l}";
                return false;
            }

            h.BodyLength = length;
        }

        if (tags["q"] is { } q && !q.Split(':').Any(m => m.Trim().Equals("dns/txt", StringComparison.OrdinalIgnoreCase)))
        {
            error = $"unsupported query method q={q}";
            return false;
        }

        if (tags["i"] is { } i)
        {
            var at = i.LastIndexOf('@');
            if (at < 0)
            {
                error = "i= has no @";
                return false;
            }

            var idDomain = i[(at + 1)..].ToLowerInvariant();
            if (idDomain != h.Domain && !idDomain.EndsWith("." + h.Domain, StringComparison.Ordinal))
            {
                error = "i= domain is not d= or a subdomain of it";
                return false;
            }

            h.Identity = i;
        }

        if (!TryParseTime(tags["t"], "t", out var t, out error) || !TryParseTime(tags["x"], "x", out var x, out error))
        {
            return false;
        }

        h.Expiration = x;
        if (t is not null && x is not null && x < t)
        {
            error = "x= is earlier than t=";
            return false;
        }

        header = h;
        return true;
    }

    private static bool TryParseCanonicalization(string? c, DkimSignatureHeader h, out string? error)
    {
        error = null;
        var parts = (c ?? "simple/simple").Split('/');
        if (parts.Length > 2 || !TryCanon(parts[0], out var head) || !TryCanon(parts.Length == 2 ? parts[1] : "simple", out var body))
        {
            error = $"invalid c={c}";
            return false;
        }

        (h.HeaderCanonicalization, h.BodyCanonicalization) = (head, body);
        return true;

        static bool TryCanon(string s, out DkimCanonicalizationAlgorithm value)
        {
            value = s.Trim().ToLowerInvariant() switch
            {
                "simple" => DkimCanonicalizationAlgorithm.Simple,
                "relaxed" => DkimCanonicalizationAlgorithm.Relaxed,
                _ => (DkimCanonicalizationAlgorithm)(-1),
            };
            return (int)value >= 0;
        }
    }

    private static bool TryParseTime(string? text, string tag, out long? value, out string? error)
    {
        value = null;
        error = null;
        if (text is null)
        {
            return true;
        }

        // RFC 6376 3.5: up to 12 digits; longer values are treated as far future by some, we accept up to 18.
        if (!long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v))
        {
            error = $"invalid {tag}={text}";
            return false;
        }

        value = v;
        return true;
    }

    /// <summary>The first 8 characters of b= without white space (RFC 8601 header.b, to tell signatures apart); null without b=.</summary>
    private static string? SignaturePrefixOf(string? b)
    {
        if (b is null) return null;
        var clean = TagList.StripWhiteSpace(b);
        return clean.Length > 8 ? clean[..8] : clean;
    }
}
