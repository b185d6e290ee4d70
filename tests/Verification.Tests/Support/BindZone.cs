using System.Net;
using System.Text;
using SmarthostLab.Verification.Dns;
using SmarthostLab.Verification.Tests.Dns;

namespace SmarthostLab.Verification.Tests.Support;

/// <summary>
/// A tolerant RFC 1035 master-file reader for authentication-milter's BIND dump
/// (data/dmarc/authentication-milter/zonefile): $ORIGIN, $TTL, @, relative names, parentheses,
/// quoted strings, comments, owner inheritance; A, AAAA, TXT, MX, PTR, CNAME loaded into an
/// <see cref="InMemoryDnsResolver"/>; other types skipped. authentication-milter's
/// ";ERROR,name,TYPE,NXDOMAIN" comment lines become NXDOMAIN names.
/// </summary>
/// <remarks>
/// Not the product's <see cref="ZoneFile"/>: that one is strict and authoritative only under an
/// $ORIGIN or SOA, while the dump has neither, has relative names with no $ORIGIN and a TXT record
/// with no data (both rejected by ZoneFile), and marks its NXDOMAIN names in comments. Zone files the
/// product loads (samples/*.zone) are tested through <see cref="ZoneResolver"/> instead.
/// </remarks>
internal static class BindZone
{
    public static InMemoryDnsResolver Load(string path, InMemoryDnsResolver? into = null, string origin = ".")
    {
        var dns = into ?? new InMemoryDnsResolver();
        var text = File.ReadAllText(path);
        string? owner = null;
        var ttl = TimeSpan.FromMinutes(5);
        foreach (var (tokens, startsWithSpace, comment) in Entries(text))
        {
            if (comment is not null && comment.StartsWith("ERROR,", StringComparison.Ordinal))
            {
                var parts = comment.Split(',');
                if (parts.Length >= 4 && parts[3].Trim() == "NXDOMAIN")
                {
                    dns.AddFailure(parts[1], DnsStatus.NxDomain);
                }

                continue;
            }

            if (tokens.Count == 0)
            {
                continue;
            }

            if (tokens[0].Equals("$ORIGIN", StringComparison.OrdinalIgnoreCase))
            {
                origin = tokens[1];
                continue;
            }

            if (tokens[0].Equals("$TTL", StringComparison.OrdinalIgnoreCase))
            {
                ttl = TimeSpan.FromSeconds(int.Parse(tokens[1], System.Globalization.CultureInfo.InvariantCulture));
                continue;
            }

            var i = 0;
            if (!startsWithSpace)
            {
                owner = Absolute(tokens[0], origin);
                i = 1;
            }

            // [ttl] [class] type, in either order
            while (i < tokens.Count && (int.TryParse(tokens[i], out _) || tokens[i] is "IN" or "in" or "CH"))
            {
                i++;
            }

            if (i >= tokens.Count || owner is null)
            {
                continue;
            }

            var type = tokens[i].ToUpperInvariant();
            var rdata = tokens.Skip(i + 1).ToList();
            switch (type)
            {
                case "TXT" when rdata.Count > 0:
                    dns.Add(new DnsRecord(owner, DnsRecordType.TXT, ttl, TextStrings: rdata));
                    break;
                case "A" or "AAAA" when rdata.Count > 0:
                    var address = IPAddress.Parse(rdata[0]);
                    dns.Add(new DnsRecord(owner, type == "A" ? DnsRecordType.A : DnsRecordType.AAAA, ttl, Address: address));
                    break;
                case "MX" when rdata.Count > 1:
                    dns.Add(new DnsRecord(owner, DnsRecordType.MX, ttl, Host: Absolute(rdata[1], origin), Preference: int.Parse(rdata[0], System.Globalization.CultureInfo.InvariantCulture)));
                    break;
                case "PTR" or "CNAME" when rdata.Count > 0:
                    dns.Add(new DnsRecord(owner, type == "PTR" ? DnsRecordType.PTR : DnsRecordType.CNAME, ttl, Host: Absolute(rdata[0], origin)));
                    break;
            }
        }

        return dns;
    }

    private static string Absolute(string name, string origin)
    {
        if (name == "@")
        {
            return origin.TrimEnd('.');
        }

        if (name.EndsWith('.'))
        {
            return name.TrimEnd('.');
        }

        return origin == "." ? name : name + "." + origin.TrimEnd('.');
    }

    /// <summary>Splits the file into logical entries (parentheses join lines).</summary>
    private static IEnumerable<(List<string> Tokens, bool StartsWithSpace, string? Comment)> Entries(string text)
    {
        var tokens = new List<string>();
        var depth = 0;
        var startsWithSpace = false;
        var atLineStart = true;
        string? comment = null;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (atLineStart && depth == 0)
            {
                startsWithSpace = c is ' ' or '\t';
                atLineStart = false;
            }

            if (c == '\n')
            {
                if (depth == 0)
                {
                    yield return (tokens, startsWithSpace, comment);
                    tokens = [];
                    comment = null;
                    atLineStart = true;
                }

                i++;
            }
            else if (c == ';')
            {
                var end = text.IndexOf('\n', i);
                end = end < 0 ? text.Length : end;
                if (tokens.Count == 0 && depth == 0)
                {
                    comment = text[(i + 1)..end].Trim();
                }

                i = end;
            }
            else if (c is ' ' or '\t' or '\r')
            {
                i++;
            }
            else if (c == '(')
            {
                depth++;
                i++;
            }
            else if (c == ')')
            {
                depth = Math.Max(0, depth - 1);
                i++;
            }
            else if (c == '"')
            {
                var sb = new StringBuilder();
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }

                    sb.Append(text[i]);
                    i++;
                }

                i++;
                tokens.Add(sb.ToString());
            }
            else
            {
                var start = i;
                while (i < text.Length && text[i] is not (' ' or '\t' or '\r' or '\n' or ';' or '(' or ')' or '"'))
                {
                    i++;
                }

                tokens.Add(text[start..i]);
            }
        }

        if (tokens.Count > 0 || comment is not null)
        {
            yield return (tokens, startsWithSpace, comment);
        }
    }
}
