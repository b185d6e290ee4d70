using System.Globalization;

namespace SmarthostLab.Verification.Dmarc;

/// <summary>
/// A DMARC policy record (RFC 7489 6.3 tags, 6.4 syntax). Parsing reports every problem found;
/// a record is usable when v=DMARC1 is the first tag and it has a valid p= — or, per RFC 7489 6.6.3
/// step 6, when p= (or sp=) is missing or invalid but rua= holds a valid URI, in which case it is read
/// as p=none. Unknown tags are ignored; invalid optional values fall back to their defaults.
/// </summary>
public sealed class DmarcRecord
{
    private DmarcRecord(string text) => Text = text;

    /// <summary>The record as published.</summary>
    public string Text { get; }

    /// <summary>p=.</summary>
    public DmarcPolicy Policy { get; private set; }

    /// <summary>sp=, or null when absent (subdomains then get <see cref="Policy"/>).</summary>
    public DmarcPolicy? SubdomainPolicy { get; private set; }

    /// <summary>adkim= (default relaxed).</summary>
    public DmarcAlignmentMode DkimAlignment { get; private set; }

    /// <summary>aspf= (default relaxed).</summary>
    public DmarcAlignmentMode SpfAlignment { get; private set; }

    /// <summary>pct= (0–100, default 100).</summary>
    public int Percent { get; private set; } = 100;

    /// <summary>fo= options (default "0").</summary>
    public IReadOnlyList<string> FailureOptions { get; private set; } = ["0"];

    /// <summary>rua= URIs.</summary>
    public IReadOnlyList<string> AggregateReportUris { get; private set; } = [];

    /// <summary>ruf= URIs.</summary>
    public IReadOnlyList<string> FailureReportUris { get; private set; } = [];

    /// <summary>rf= formats (default "afrf").</summary>
    public IReadOnlyList<string> ReportFormats { get; private set; } = ["afrf"];

    /// <summary>ri= seconds (default 86400).</summary>
    public long ReportInterval { get; private set; } = 86400;

    /// <summary>True when p= was missing or invalid and the record is read as p=none because rua= is valid (RFC 7489 6.6.3).</summary>
    public bool PolicyImplied { get; private set; }

    /// <summary>True when <paramref name="text"/> starts with a v=DMARC1 tag: a DMARC record at all (RFC 7489 6.6.3 step 3).</summary>
    public static bool IsDmarcRecord(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var span = text.AsSpan().TrimStart(" \t");
        if (!span.StartsWith("v", StringComparison.Ordinal))
        {
            return false;
        }

        span = span[1..].TrimStart(" \t");
        if (!span.StartsWith("=", StringComparison.Ordinal))
        {
            return false;
        }

        span = span[1..].TrimStart(" \t");
        if (!span.StartsWith("DMARC1", StringComparison.Ordinal))
        {
            return false;
        }

        span = span[6..].TrimStart(" \t");
        return span.IsEmpty || span[0] == ';';
    }

    /// <summary>Parses a record; see the type remarks for when it is usable.</summary>
    /// <param name="text">The TXT record, character-strings concatenated.</param>
    /// <param name="record">The record when usable.</param>
    /// <param name="errors">Every problem found (also when usable: invalid optional tags).</param>
    public static bool TryParse(string text, out DmarcRecord? record, out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(text);
        var problems = new List<string>();
        errors = problems;
        record = null;
        if (!IsDmarcRecord(text))
        {
            problems.Add("not a DMARC record: v=DMARC1 must be the first tag");
            return false;
        }

        if (!TagList.TryParse(text, out var tags, out var error))
        {
            problems.Add(error!);
            return false;
        }

        var r = new DmarcRecord(text);
        DmarcPolicy? p = null;
        var spInvalid = false;
        foreach (var (rawName, value) in tags.Tags.Skip(1))
        {
            var name = rawName.ToLowerInvariant();
            switch (name)
            {
                case "p":
                    p = ParsePolicy(value);
                    if (p is null)
                    {
                        problems.Add($"invalid p={value}");
                    }

                    break;
                case "sp":
                    r.SubdomainPolicy = ParsePolicy(value);
                    if (r.SubdomainPolicy is null)
                    {
                        spInvalid = true;
                        problems.Add($"invalid sp={value}");
                    }

                    break;
                case "adkim":
                    r.DkimAlignment = ParseAlignment(value, "adkim", problems);
                    break;
                case "aspf":
                    r.SpfAlignment = ParseAlignment(value, "aspf", problems);
                    break;
                case "pct":
                    if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var pct) && pct <= 100)
                    {
                        r.Percent = pct;
                    }
                    else
                    {
                        problems.Add($"invalid pct={value}");
                    }

                    break;
                case "fo":
                    var fo = Split(value, ':');
                    if (fo.Length > 0 && fo.All(o => o is "0" or "1" or "d" or "s"))
                    {
                        r.FailureOptions = fo;
                    }
                    else
                    {
                        problems.Add($"invalid fo={value}");
                    }

                    break;
                case "rua":
                    r.AggregateReportUris = ParseUris(value, "rua", problems);
                    break;
                case "ruf":
                    r.FailureReportUris = ParseUris(value, "ruf", problems);
                    break;
                case "rf":
                    var rf = Split(value, ':');
                    if (rf.Length > 0 && rf.All(f => f.Equals("afrf", StringComparison.OrdinalIgnoreCase)))
                    {
                        r.ReportFormats = rf;
                    }
                    else
                    {
                        problems.Add($"invalid rf={value}");
                    }

                    break;
                case "ri":
                    if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ri))
                    {
                        r.ReportInterval = ri;
                    }
                    else
                    {
                        problems.Add($"invalid ri={value}");
                    }

                    break;
                case "v":
                    problems.Add("v= appears twice");
                    break;
                default:
                    // RFC 7489 6.3: unknown tags MUST be ignored.
                    break;
            }
        }

        if (p is null || spInvalid)
        {
            if (p is null && !problems.Exists(e => e.StartsWith("invalid p=", StringComparison.Ordinal)))
            {
                problems.Add("p= is missing");
            }

            if (r.AggregateReportUris.Count == 0)
            {
                return false;
            }

            // RFC 7489 6.6.3 step 6: act as if p=none was published.
            p = DmarcPolicy.None;
            r.SubdomainPolicy = null;
            r.PolicyImplied = true;
        }

        r.Policy = p.Value;
        record = r;
        return true;
    }

    /// <summary>The policy for <paramref name="isSubdomain"/>: sp= when given for a subdomain, else p= (RFC 7489 6.6.3).</summary>
    public DmarcPolicy PolicyFor(bool isSubdomain) => isSubdomain && SubdomainPolicy is { } sp ? sp : Policy;

    internal static string Word(DmarcPolicy policy) => policy switch
    {
        DmarcPolicy.Quarantine => "quarantine",
        DmarcPolicy.Reject => "reject",
        _ => "none",
    };

    private static DmarcPolicy? ParsePolicy(string value) => value.ToLowerInvariant() switch
    {
        "none" => DmarcPolicy.None,
        "quarantine" => DmarcPolicy.Quarantine,
        "reject" => DmarcPolicy.Reject,
        _ => null,
    };

    private static DmarcAlignmentMode ParseAlignment(string value, string tag, List<string> problems)
    {
        switch (value.ToLowerInvariant())
        {
            case "r":
                return DmarcAlignmentMode.Relaxed;
            case "s":
                return DmarcAlignmentMode.Strict;
            default:
                problems.Add($"invalid {tag}={value}");
                return DmarcAlignmentMode.Relaxed;
        }
    }

    private static string[] ParseUris(string value, string tag, List<string> problems)
    {
        var valid = new List<string>();
        foreach (var item in Split(value, ','))
        {
            // dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ] (RFC 7489 6.4)
            var bang = item.LastIndexOf('!');
            var uri = bang > 0 ? item[..bang] : item;
            if (Uri.TryCreate(uri, UriKind.Absolute, out _))
            {
                valid.Add(item);
            }
            else
            {
                problems.Add($"invalid {tag} URI {item}");
            }
        }

        return [.. valid];
    }

    private static string[] Split(string value, char separator) =>
        value.Split(separator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
