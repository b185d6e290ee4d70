using System.Text;

namespace SmarthostLab.Verification.AuthResults;

/// <summary>
/// Builds the RFC 8601 Authentication-Results header field for one message's verdicts:
/// <c>spf</c> (RFC 8601 2.7.2, the egress evaluation DMARC uses; the client-IP result in a comment),
/// one <c>dkim</c> per signature (2.7.1; <c>header.d</c>, <c>header.s</c>, <c>header.a</c>, <c>header.b</c>),
/// and <c>dmarc</c> (RFC 7489 11.2, policy and disposition in a comment). Each result sits on its
/// own folded line; reasons go in <c>reason="…"</c>.
/// </summary>
public static class AuthenticationResultsHeader
{
    /// <summary>The field name.</summary>
    public const string FieldName = "Authentication-Results";

    /// <summary>Builds the complete field, <c>"Authentication-Results: …\r\n"</c>, folded with CRLF + TAB.</summary>
    /// <param name="authServId">The relay's authserv-id (RFC 8601 2.5).</param>
    /// <param name="spf">SPF for the egress address (DMARC's); null when not evaluated.</param>
    /// <param name="spfClient">SPF for the client IP, reported in a comment; null to omit.</param>
    /// <param name="dkim">One entry per DKIM-Signature, in header order.</param>
    /// <param name="dkimSignaturePrefixes">For each entry of <paramref name="dkim"/>, the first characters of b= (header.b), or null.</param>
    /// <param name="dmarc">DMARC; null when not evaluated.</param>
    public static string Build(
        string authServId,
        SpfVerdict? spf,
        SpfVerdict? spfClient,
        IReadOnlyList<DkimVerdict> dkim,
        IReadOnlyList<string?>? dkimSignaturePrefixes,
        DmarcVerdict? dmarc)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(authServId);
        ArgumentNullException.ThrowIfNull(dkim);
        var results = new List<string>();
        if (spf is not null)
        {
            var sb = new StringBuilder("spf=").Append(Word(spf.Result));
            var comment = $"egress {spf.Ip}";
            if (spfClient is not null)
            {
                comment += $"; client {spfClient.Ip}: {Word(spfClient.Result)}";
            }

            sb.Append(" (").Append(CommentText(comment)).Append(')');
            AppendReason(sb, spf.Result == SpfResult.Pass ? null : spf.Reason);
            sb.Append(spf.Identity == "helo" ? " smtp.helo=" : " smtp.mailfrom=").Append(Value(spf.Domain));
            results.Add(sb.ToString());
        }

        if (dkim.Count == 0)
        {
            results.Add("dkim=none");
        }

        for (var i = 0; i < dkim.Count; i++)
        {
            var d = dkim[i];
            var sb = new StringBuilder("dkim=").Append(Word(d.Result));
            AppendReason(sb, d.Reason);
            if (d.Domain is not null)
            {
                sb.Append(" header.d=").Append(Value(d.Domain));
            }

            if (d.Identity is not null)
            {
                sb.Append(" header.i=").Append(Value(d.Identity));
            }

            if (d.Selector is not null)
            {
                sb.Append(" header.s=").Append(Value(d.Selector));
            }

            if (d.Algorithm is not null)
            {
                sb.Append(" header.a=").Append(Value(d.Algorithm));
            }

            if (dkimSignaturePrefixes is not null && i < dkimSignaturePrefixes.Count && dkimSignaturePrefixes[i] is { Length: > 0 } b)
            {
                sb.Append(" header.b=").Append(Value(b));
            }

            results.Add(sb.ToString());
        }

        if (dmarc is not null)
        {
            var sb = new StringBuilder("dmarc=").Append(Word(dmarc.Result));
            if (dmarc.Policy is not null)
            {
                sb.Append(" (p=").Append(dmarc.Policy).Append(" dis=").Append(dmarc.Disposition).Append(')');
            }

            AppendReason(sb, dmarc.Result == DmarcResult.Pass ? null : dmarc.Reason);
            if (dmarc.FromDomain is not null)
            {
                sb.Append(" header.from=").Append(Value(dmarc.FromDomain));
            }

            results.Add(sb.ToString());
        }

        var header = new StringBuilder(FieldName).Append(": ").Append(Value(authServId));
        foreach (var r in results)
        {
            header.Append(";\r\n\t").Append(r);
        }

        return header.Append("\r\n").ToString();
    }

    /// <summary>The RFC word for a result.</summary>
    public static string Word(SpfResult result) => result switch
    {
        SpfResult.Pass => "pass",
        SpfResult.Fail => "fail",
        SpfResult.SoftFail => "softfail",
        SpfResult.Neutral => "neutral",
        SpfResult.TempError => "temperror",
        SpfResult.PermError => "permerror",
        _ => "none",
    };

    /// <summary>The RFC word for a result.</summary>
    public static string Word(DkimResult result) => result switch
    {
        DkimResult.Pass => "pass",
        DkimResult.Fail => "fail",
        DkimResult.Neutral => "neutral",
        DkimResult.Policy => "policy",
        DkimResult.TempError => "temperror",
        _ => "permerror",
    };

    /// <summary>The RFC word for a result.</summary>
    public static string Word(DmarcResult result) => result switch
    {
        DmarcResult.Pass => "pass",
        DmarcResult.Fail => "fail",
        DmarcResult.TempError => "temperror",
        DmarcResult.PermError => "permerror",
        _ => "none",
    };

    private static void AppendReason(StringBuilder sb, string? reason)
    {
        if (!string.IsNullOrWhiteSpace(reason))
        {
            sb.Append(" reason=").Append(Quoted(reason));
        }
    }

    /// <summary>A value as an RFC 2045 token when it is one, else a quoted-string.</summary>
    private static string Value(string value)
    {
        foreach (var c in value)
        {
            if (c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?=".Contains(c, StringComparison.Ordinal))
            {
                // '@', '/', '=' and '.' are common in domains/b= and allowed by RFC 8601's pvalue; keep those bare.
                if (c is '@' or '/' or '=' or '+')
                {
                    continue;
                }

                return Quoted(value);
            }
        }

        return value;
    }

    private static string Quoted(string text)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in Printable(text))
        {
            if (c is '"' or '\\')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.Append('"').ToString();
    }

    private static string CommentText(string text)
    {
        var sb = new StringBuilder();
        foreach (var c in Printable(text))
        {
            if (c is '(' or ')' or '\\')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    private static IEnumerable<char> Printable(string text)
    {
        foreach (var c in text)
        {
            yield return c is >= ' ' and < (char)127 ? c : '?';
        }
    }
}
