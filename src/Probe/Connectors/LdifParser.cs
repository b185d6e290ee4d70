using System.Text;

namespace SmarthostLab.Probe.Connectors;

/// <summary>
/// RFC 2849 LDIF content records as ldifde writes them: <c>dn:</c> starts a record, blank lines
/// separate records, a line starting with one space continues the previous line, <c>#</c> starts
/// a comment, <c>attr:: value</c> is base64 (decoded as UTF-8), <c>attr:&lt; url</c> is kept as written.
/// Change records (<c>changetype:</c>) are read as plain attributes.
/// </summary>
public static class LdifParser
{
    /// <summary>Parses every record in <paramref name="text"/>.</summary>
    public static List<LdifEntry> Parse(string text)
    {
        var entries = new List<LdifEntry>();
        LdifEntry? current = null;
        foreach (var line in UnfoldLines(text))
        {
            if (line.Length == 0)
            {
                current = null;
                continue;
            }

            if (line[0] == '#')
            {
                continue;
            }

            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                throw new ProbeException($"LDIF line without 'attribute:': {Shorten(line)}");
            }

            var name = line[..colon];
            var value = DecodeValue(line, colon);

            if (name.Equals("version", StringComparison.OrdinalIgnoreCase) && current is null)
            {
                continue;
            }

            if (name.Equals("dn", StringComparison.OrdinalIgnoreCase))
            {
                current = new LdifEntry(value);
                entries.Add(current);
                continue;
            }

            if (current is null)
            {
                throw new ProbeException($"LDIF attribute before any 'dn:' line: {Shorten(line)}");
            }

            // Attribute options (e.g. "cn;lang-en") do not change the attribute.
            var semicolon = name.IndexOf(';');
            current.Add(semicolon > 0 ? name[..semicolon] : name, value);
        }

        return entries;
    }

    private static string DecodeValue(string line, int colon)
    {
        var rest = line[(colon + 1)..];
        if (rest.StartsWith(':'))
        {
            var base64 = rest[1..].Trim();
            try
            {
                return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            }
            catch (FormatException ex)
            {
                throw new ProbeException($"LDIF base64 value is not valid base64: {Shorten(line)}", ex);
            }
        }

        if (rest.StartsWith('<'))
        {
            return rest[1..].Trim();
        }

        return rest.TrimStart(' ');
    }

    // RFC 2849: "a line may be continued by ... a newline followed by a single space".
    private static IEnumerable<string> UnfoldLines(string text)
    {
        StringBuilder? pending = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith(' ') && pending is not null)
            {
                pending.Append(line, 1, line.Length - 1);
                continue;
            }

            if (pending is not null)
            {
                yield return pending.ToString();
            }

            pending = new StringBuilder(line);
        }

        if (pending is not null)
        {
            yield return pending.ToString();
        }
    }

    private static string Shorten(string line) => line.Length <= 80 ? line : line[..80] + "…";
}
