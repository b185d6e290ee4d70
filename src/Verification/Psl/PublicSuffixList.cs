using System.Globalization;
using System.Reflection;

namespace SmarthostLab.Verification.Psl;

/// <summary>
/// The Public Suffix List (https://publicsuffix.org/list/) and the organizational domain of
/// RFC 7489 3.2. Rules are held as A-labels (punycode) in hash sets; a name is matched by walking
/// its labels right to left, so a lookup costs one hash probe per label. Immutable and thread-safe.
/// </summary>
public sealed class PublicSuffixList
{
    private const string ResourceName = "SmarthostLab.Verification.Psl.public_suffix_list.dat";

    private static readonly IdnMapping Idn = new() { AllowUnassigned = true };
    private static readonly Lazy<PublicSuffixList> EmbeddedList = new(LoadEmbedded);

    private readonly HashSet<string> _rules;
    private readonly HashSet<string> _wildcards;
    private readonly HashSet<string> _exceptions;

    private PublicSuffixList(HashSet<string> rules, HashSet<string> wildcards, HashSet<string> exceptions)
    {
        _rules = rules;
        _wildcards = wildcards;
        _exceptions = exceptions;
    }

    /// <summary>Number of rules loaded (normal, wildcard and exception).</summary>
    public int RuleCount => _rules.Count + _wildcards.Count + _exceptions.Count;

    /// <summary>The copy embedded in this assembly (loaded once, shared).</summary>
    public static PublicSuffixList Embedded => EmbeddedList.Value;

    /// <summary>Loads the list named by <see cref="VerificationOptions.PublicSuffixListPath"/>, or the embedded copy when it is empty.</summary>
    public static PublicSuffixList FromOptions(VerificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.IsNullOrWhiteSpace(options.PublicSuffixListPath) ? Embedded : LoadFile(options.PublicSuffixListPath);
    }

    /// <summary>Loads a list in the publicsuffix.org format from a file.</summary>
    public static PublicSuffixList LoadFile(string path)
    {
        using var reader = new StreamReader(path);
        return Parse(reader);
    }

    /// <summary>Parses a list in the publicsuffix.org format: one rule a line, <c>//</c> comments, <c>*.</c> wildcards, <c>!</c> exceptions.</summary>
    public static PublicSuffixList Parse(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var rules = new HashSet<string>(StringComparer.Ordinal);
        var wildcards = new HashSet<string>(StringComparer.Ordinal);
        var exceptions = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            var span = line.AsSpan().Trim();
            if (span.IsEmpty || span.StartsWith("//", StringComparison.Ordinal))
            {
                continue;
            }

            // A rule ends at the first white space.
            var ws = span.IndexOfAny(' ', '\t');
            if (ws >= 0)
            {
                span = span[..ws];
            }

            if (span[0] == '!')
            {
                if (ToAscii(span[1..].ToString()) is { } e)
                {
                    exceptions.Add(e);
                }
            }
            else if (span.StartsWith("*.", StringComparison.Ordinal))
            {
                if (ToAscii(span[2..].ToString()) is { } w)
                {
                    wildcards.Add(w);
                }
            }
            else if (ToAscii(span.ToString()) is { } r)
            {
                rules.Add(r);
            }
        }

        return new PublicSuffixList(rules, wildcards, exceptions);
    }

    /// <summary>
    /// The public suffix of <paramref name="domain"/> (A-labels, lower case) by the publicsuffix.org
    /// algorithm: an exception rule wins, else the longest matching rule, else the default rule <c>*</c>.
    /// Null when the name is empty or malformed (leading dot, empty label).
    /// </summary>
    public string? GetPublicSuffix(string? domain)
    {
        var labels = Normalize(domain);
        if (labels is null)
        {
            return null;
        }

        var count = SuffixLabelCount(labels);
        return string.Join('.', labels[^count..]);
    }

    /// <summary>
    /// The registrable domain: public suffix plus one label; null when the name is itself a public
    /// suffix or malformed (the semantics of the list's tests.txt).
    /// </summary>
    public string? GetRegistrableDomain(string? domain)
    {
        var labels = Normalize(domain);
        if (labels is null)
        {
            return null;
        }

        var count = SuffixLabelCount(labels);
        return labels.Length > count ? string.Join('.', labels[^(count + 1)..]) : null;
    }

    /// <summary>
    /// The organizational domain of RFC 7489 3.2: the public suffix plus one label. A name that is
    /// itself a public suffix (or a bare TLD) is its own organizational domain, which is what DMARC
    /// record discovery (RFC 7489 6.6.3) then asks for. Returns the input lower-cased (A-labels) and
    /// without a trailing dot; an unusable name (empty, empty label) is returned unchanged.
    /// </summary>
    public string GetOrganizationalDomain(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var labels = Normalize(domain);
        if (labels is null)
        {
            return domain;
        }

        var count = SuffixLabelCount(labels);
        return labels.Length > count ? string.Join('.', labels[^(count + 1)..]) : string.Join('.', labels);
    }

    private int SuffixLabelCount(string[] labels)
    {
        // Walk right to left: suffix of k labels. An exception rule !X means the suffix is X minus its
        // first label and overrides everything; otherwise take the longest normal or wildcard match.
        var best = 1;
        var suffix = string.Empty;
        for (var k = 1; k <= labels.Length; k++)
        {
            var parent = suffix;
            suffix = k == 1 ? labels[^1] : string.Concat(labels[^k], ".", suffix);
            if (_exceptions.Contains(suffix))
            {
                return k - 1;
            }

            if (_rules.Contains(suffix) || (k > 1 && _wildcards.Contains(parent)))
            {
                best = k;
            }
        }

        return best;
    }

    private static string[]? Normalize(string? domain)
    {
        if (string.IsNullOrWhiteSpace(domain))
        {
            return null;
        }

        var name = domain.Trim();
        if (name.EndsWith('.'))
        {
            name = name[..^1];
        }

        if (name.Length == 0 || name.StartsWith('.'))
        {
            return null;
        }

        var ascii = ToAscii(name);
        if (ascii is null)
        {
            return null;
        }

        var labels = ascii.Split('.');
        return Array.Exists(labels, l => l.Length == 0) ? null : labels;
    }

    private static string? ToAscii(string name)
    {
        var lower = name.ToLowerInvariant();
        if (System.Text.Ascii.IsValid(lower))
        {
            return lower;
        }

        try
        {
            return Idn.GetAscii(lower);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static PublicSuffixList LoadEmbedded()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"Embedded resource {ResourceName} is missing.");
        using var reader = new StreamReader(stream);
        return Parse(reader);
    }
}
