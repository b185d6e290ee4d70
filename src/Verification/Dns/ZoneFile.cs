using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SmarthostLab.Verification.Dns;

/// <summary>
/// The records of an RFC 1035 section 5 master file: $ORIGIN (several allowed), $TTL (RFC 2308),
/// "@", relative and absolute names, a blank owner meaning the previous one, optional class and
/// TTL in either order, parentheses, ';' comments, quoted character-strings with \" \\ \DDD escapes.
/// Types A, AAAA, MX, TXT, PTR, CNAME and SOA are kept; NS and a few other common types only make
/// their owner exist. Every $ORIGIN and SOA owner is an apex the zone is authoritative for.
/// </summary>
public sealed class ZoneFile
{
    private static readonly HashSet<string> IgnoredTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "NS", "SRV", "CAA", "SPF", "DS", "DNSKEY", "RRSIG", "NSEC", "NSEC3", "NSEC3PARAM", "HINFO", "TLSA", "SSHFP", "SVCB", "HTTPS", "NAPTR",
    };

    private ZoneFile(string fileName, IReadOnlyList<DnsRecord> records, IReadOnlyDictionary<string, TimeSpan> apexes, IReadOnlyCollection<string> names)
    {
        FileName = fileName;
        Records = records;
        Apexes = apexes;
        Names = names;
    }

    /// <summary>The file name (for messages).</summary>
    public string FileName { get; }

    /// <summary>Records of the supported types, owner names lower case without trailing dot.</summary>
    public IReadOnlyList<DnsRecord> Records { get; }

    /// <summary>Apex names (each $ORIGIN and SOA owner) with the negative-caching TTL (SOA minimum, RFC 2308 5; 60 s when no SOA).</summary>
    public IReadOnlyDictionary<string, TimeSpan> Apexes { get; }

    /// <summary>Every owner name in the file, including those of ignored types.</summary>
    public IReadOnlyCollection<string> Names { get; }

    /// <summary>Negative TTL used for apexes that have no SOA.</summary>
    public static TimeSpan DefaultNegativeTtl { get; } = TimeSpan.FromSeconds(60);

    /// <summary>Reads a zone file; octets are kept as Latin-1 chars so TXT data stays byte-exact.</summary>
    /// <exception cref="ZoneFileException">The file has a syntax error.</exception>
    public static ZoneFile Load(string path, string? origin = null)
        => Parse(File.ReadAllText(path, Encoding.Latin1), path, origin);

    /// <summary>Parses zone file text.</summary>
    /// <param name="text">The text.</param>
    /// <param name="fileName">Name used in error messages.</param>
    /// <param name="origin">Initial origin, before any $ORIGIN.</param>
    /// <exception cref="ZoneFileException">The text has a syntax error.</exception>
    public static ZoneFile Parse(string text, string fileName = "zone", string? origin = null)
    {
        var records = new List<DnsRecord>();
        var apexes = new Dictionary<string, TimeSpan>(StringComparer.OrdinalIgnoreCase);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var currentOrigin = origin is null ? null : Normalize(origin);
        if (currentOrigin is not null)
        {
            apexes[currentOrigin] = DefaultNegativeTtl;
        }

        TimeSpan? defaultTtl = null;
        TimeSpan? lastTtl = null;
        string? owner = null;

        foreach (var entry in ZoneTokenizer.Tokenize(text, fileName))
        {
            var tokens = entry.Tokens;
            ZoneFileException Error(string problem) => new(fileName, entry.Line, problem);

            if (!entry.BlankOwner && !tokens[0].Quoted && tokens[0].Text.StartsWith('$'))
            {
                switch (tokens[0].Text.ToUpperInvariant())
                {
                    case "$ORIGIN":
                        if (tokens.Count != 2 || !tokens[1].Text.EndsWith('.'))
                        {
                            throw Error("$ORIGIN needs one absolute name (ending in '.')");
                        }

                        currentOrigin = Normalize(tokens[1].Text);
                        apexes.TryAdd(currentOrigin, DefaultNegativeTtl);
                        continue;
                    case "$TTL":
                        if (tokens.Count != 2 || !TryParseTtl(tokens[1].Text, out var ttl))
                        {
                            throw Error("$TTL needs one TTL value");
                        }

                        defaultTtl = ttl;
                        continue;
                    default:
                        throw Error($"unsupported directive {tokens[0].Text}");
                }
            }

            var index = 0;
            if (!entry.BlankOwner)
            {
                owner = ResolveName(tokens[0].Text, currentOrigin) ?? throw Error($"relative name '{tokens[0].Text}' with no $ORIGIN");
                index = 1;
            }
            else if (owner is null)
            {
                throw Error("record with a blank owner and no previous owner");
            }

            TimeSpan? recordTtl = null;
            var sawClass = false;
            while (index < tokens.Count)
            {
                var token = tokens[index].Text;
                if (recordTtl is null && token.Length > 0 && char.IsAsciiDigit(token[0]))
                {
                    if (!TryParseTtl(token, out var value))
                    {
                        throw Error($"bad TTL '{token}'");
                    }

                    recordTtl = value;
                    index++;
                }
                else if (!sawClass && token.ToUpperInvariant() is "IN" or "CH" or "HS" or "CS")
                {
                    if (!token.Equals("IN", StringComparison.OrdinalIgnoreCase))
                    {
                        throw Error($"class {token} is not supported (only IN)");
                    }

                    sawClass = true;
                    index++;
                }
                else
                {
                    break;
                }
            }

            if (index >= tokens.Count)
            {
                throw Error("missing record type");
            }

            var type = tokens[index].Text.ToUpperInvariant();
            var data = tokens.Skip(index + 1).ToList();
            var ttlValue = recordTtl ?? defaultTtl ?? lastTtl ?? TimeSpan.FromHours(1);
            lastTtl = ttlValue;
            names.Add(owner);

            string Name(int i)
            {
                if (i >= data.Count)
                {
                    throw Error($"{type} record needs more data");
                }

                return ResolveName(data[i].Text, currentOrigin) ?? throw Error($"relative name '{data[i].Text}' with no $ORIGIN");
            }

            void Expect(int count)
            {
                if (data.Count != count)
                {
                    throw Error($"{type} record takes {count} value(s), found {data.Count}");
                }
            }

            switch (type)
            {
                case "A" or "AAAA":
                {
                    Expect(1);
                    var family = type == "A" ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
                    if (!IPAddress.TryParse(data[0].Text, out var address) || address.AddressFamily != family
                        || (family == AddressFamily.InterNetwork && data[0].Text.Count(ch => ch == '.') != 3))
                    {
                        throw Error($"bad {type} address '{data[0].Text}'");
                    }

                    records.Add(new DnsRecord(owner, type == "A" ? DnsRecordType.A : DnsRecordType.AAAA, ttlValue, Address: address));
                    break;
                }

                case "MX":
                    Expect(2);
                    if (!ushort.TryParse(data[0].Text, NumberStyles.None, CultureInfo.InvariantCulture, out var preference))
                    {
                        throw Error($"bad MX preference '{data[0].Text}'");
                    }

                    records.Add(new DnsRecord(owner, DnsRecordType.MX, ttlValue, Host: data[1].Text == "." ? "." : Name(1), Preference: preference));
                    break;
                case "TXT":
                    if (data.Count == 0)
                    {
                        throw Error("TXT record needs at least one character-string");
                    }

                    foreach (var s in data)
                    {
                        if (s.Text.Length > 255)
                        {
                            throw Error("TXT character-string longer than 255 octets");
                        }
                    }

                    records.Add(new DnsRecord(owner, DnsRecordType.TXT, ttlValue, TextStrings: [.. data.Select(d => d.Text)]));
                    break;
                case "PTR" or "CNAME":
                    Expect(1);
                    records.Add(new DnsRecord(owner, type == "PTR" ? DnsRecordType.PTR : DnsRecordType.CNAME, ttlValue, Host: Name(0)));
                    break;
                case "SOA":
                {
                    Expect(7);
                    _ = Name(0);
                    _ = Name(1);
                    if (!uint.TryParse(data[2].Text, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                    {
                        throw Error($"bad SOA serial '{data[2].Text}'");
                    }

                    for (var k = 3; k < 7; k++)
                    {
                        if (!TryParseTtl(data[k].Text, out _))
                        {
                            throw Error($"bad SOA timer '{data[k].Text}'");
                        }
                    }

                    TryParseTtl(data[6].Text, out var minimum);

                    // RFC 2308 5: the negative TTL is the smaller of the SOA's TTL and its minimum field.
                    apexes[owner] = minimum < ttlValue ? minimum : ttlValue;
                    break;
                }

                default:
                    if (!IgnoredTypes.Contains(type))
                    {
                        throw Error($"unsupported record type '{tokens[index].Text}'");
                    }

                    break;
            }
        }

        return new ZoneFile(fileName, records, apexes, names);
    }

    /// <summary>"@" is the origin; a name ending in '.' is absolute; others are relative to the origin.</summary>
    private static string? ResolveName(string name, string? origin)
    {
        if (name == "@")
        {
            return origin;
        }

        if (name.EndsWith('.'))
        {
            return Normalize(name);
        }

        if (origin is null)
        {
            return null;
        }

        return origin.Length == 0 ? name.ToLowerInvariant() : $"{name}.{origin}".ToLowerInvariant();
    }

    private static string Normalize(string name) => name.TrimEnd('.').ToLowerInvariant();

    /// <summary>A TTL in seconds, or with BIND units (1w2d3h4m5s).</summary>
    internal static bool TryParseTtl(string text, out TimeSpan ttl)
    {
        ttl = default;
        long total = 0;
        long current = 0;
        var digits = false;
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                current = checked((current * 10) + (c - '0'));
                digits = true;
                if (current > uint.MaxValue)
                {
                    return false;
                }

                continue;
            }

            if (!digits)
            {
                return false;
            }

            var unit = char.ToLowerInvariant(c) switch
            {
                's' => 1L,
                'm' => 60L,
                'h' => 3600L,
                'd' => 86400L,
                'w' => 604800L,
                _ => 0L,
            };
            if (unit == 0)
            {
                return false;
            }

            // Checked per unit: summed unchecked, a few thousand "4294967295w" wrapped past long.MaxValue and
            // TimeSpan.FromSeconds threw instead of the file's error (fuzz/regressions/zone).
            total += current * unit;
            if (total > int.MaxValue)
            {
                return false;
            }

            current = 0;
            digits = false;
        }

        if (digits)
        {
            total += current;
        }
        else if (total == 0 && text.Length == 0)
        {
            return false;
        }

        if (total > int.MaxValue)
        {
            return false;
        }

        ttl = TimeSpan.FromSeconds(total);
        return true;
    }
}
