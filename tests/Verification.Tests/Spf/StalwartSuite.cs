using System.Net;
using SmarthostLab.Verification.Tests.Dns;

namespace SmarthostLab.Verification.Tests.Spf;

/// <summary>
/// Loads the Stalwart mail-auth SPF cases (data/spf/stalwart-mail-auth/*.yml): line-oriented
/// pseudo-YAML (repeated keys), so read line by line. Records: "spf: NAME RECORD", "exp: NAME TEXT",
/// "a:/aaaa: NAME IP, IP", "ptr: IP NAME, NAME", "mx: NAME IP, IP" (each IP one synthetic exchange,
/// in preference order). Names containing "_dns_error" answer SERVFAIL.
/// </summary>
internal static class StalwartSuite
{
    /// <summary>
    /// Cases where Stalwart's expectation contradicts RFC 7208 as the openspf suite reads it; for
    /// these we assert the RFC 7208 result instead, and say why.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, (string Result, string Why)> Deviations = new Dictionary<string, (string, string)>
    {
        ["all/All test/1"] = ("permerror", "'ip:' is not a mechanism; RFC 7208 4.6 / 12 make any syntax error a permerror, even after 'all' (openspf 'Record evaluation' cases)"),
        ["basic/DNS Lookup Limits/1"] = ("permerror", "ten 'a' lookups of names that do not exist exceed the void-lookup limit of 2 (RFC 7208 4.6.4)"),
        ["basic/DNS Lookup Limits/6"] = ("permerror", "more than 10 MX names is a permerror in RFC 7208 4.6.4 (openspf mx-limit); ignoring the extra ones was RFC 4408"),
        ["exists/Exists/2"] = ("fail", "'exists' always asks for A records, even for IPv6 clients (RFC 7208 5.7); the name has only AAAA"),
        ["macro/Macro expansion 2/2"] = ("fail", "'exists' always asks for A records (RFC 7208 5.7); the expanded name has only AAAA"),
    };

    private static readonly Lazy<IReadOnlyList<StalwartCase>> Loaded = new(Load);

    public static IReadOnlyList<StalwartCase> Cases => Loaded.Value;

    private static List<StalwartCase> Load()
    {
        var cases = new List<StalwartCase>();
        var directory = Path.Combine(AppContext.BaseDirectory, "data", "spf", "stalwart-mail-auth");
        foreach (var file in Directory.GetFiles(directory, "*.yml").Order(StringComparer.Ordinal))
        {
            var scenario = string.Empty;
            var records = new List<string>();
            var defaults = new Dictionary<string, string>();
            Dictionary<string, string>? item = null;
            var itemRecords = new List<string>();
            var itemHasExpect = false;
            var index = 0;
            var inTests = false;

            void EndItem()
            {
                // An item with no expectation sets defaults (domain, sender) for the items after it.
                if (item is not null && !itemHasExpect)
                {
                    foreach (var (k, v) in item)
                    {
                        defaults[k] = v;
                    }
                }

                item = null;
                itemRecords = [];
                itemHasExpect = false;
            }

            void Emit(string expect)
            {
                string Value(string key) => item!.TryGetValue(key, out var v) ? v : defaults.GetValueOrDefault(key, string.Empty);
                var overridden = itemRecords.Where(r => r.StartsWith("spf:", StringComparison.Ordinal)).Select(r => r.Split(' ')[0]).ToHashSet();
                var all = records.Where(r => !overridden.Contains(r.Split(' ')[0])).Concat(itemRecords).ToList();
                var space = expect.IndexOf(' ');
                cases.Add(new StalwartCase(
                    $"{Path.GetFileNameWithoutExtension(file)}/{scenario}/{++index}",
                    scenario,
                    all,
                    Value("domain"),
                    Value("sender"),
                    Value("ip"),
                    space < 0 ? expect : expect[..space],
                    space < 0 ? null : expect[(space + 1)..]));
                itemHasExpect = true;
            }

            foreach (var raw in File.ReadLines(file))
            {
                var line = raw.TrimEnd();
                if (line.StartsWith('#') || line.Length == 0)
                {
                    continue;
                }

                if (line == "---")
                {
                    EndItem();
                    records = [];
                    defaults = [];
                    inTests = false;
                    index = 0;
                    continue;
                }

                var trimmed = line.TrimStart();
                var isNewItem = trimmed.StartsWith("- ", StringComparison.Ordinal);
                trimmed = trimmed.TrimStart('-', ' ');
                var colon = trimmed.IndexOf(':');
                if (colon < 0)
                {
                    continue;
                }

                var key = trimmed[..colon];
                var value = trimmed[(colon + 1)..].Trim();
                if (!line.StartsWith(' '))
                {
                    switch (key)
                    {
                        case "name": scenario = value; continue;
                        case "records": inTests = false; continue;
                        case "tests": inTests = true; continue;
                    }
                }

                var isRecord = key is "spf" or "exp" or "a" or "aaaa" or "ptr" or "mx";
                if (!inTests)
                {
                    if (isRecord)
                    {
                        records.Add($"{key}:{value}");
                    }

                    continue;
                }

                if (isNewItem || item is null)
                {
                    EndItem();
                    item = [];
                }

                if (isRecord)
                {
                    itemRecords.Add($"{key}:{value}");
                }
                else if (key == "expect")
                {
                    Emit(value);
                }
                else
                {
                    item![key] = value;
                }
            }

            EndItem();
        }

        return cases;
    }

    public static InMemoryDnsResolver BuildResolver(IEnumerable<string> lines)
    {
        var dns = new InMemoryDnsResolver();
        var mxCount = 0;
        foreach (var line in lines)
        {
            var colon = line.IndexOf(':');
            var kind = line[..colon];
            var rest = line[(colon + 1)..].Trim();
            var space = rest.IndexOf(' ');
            var name = space < 0 ? rest : rest[..space];
            var value = space < 0 ? string.Empty : rest[(space + 1)..].Trim();
            var items = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            switch (kind)
            {
                case "spf" or "exp":
                    dns.AddTxt(name, value);
                    break;
                case "a" or "aaaa":
                    foreach (var ip in items)
                    {
                        dns.AddA(name, ip);
                    }

                    break;
                case "ptr":
                {
                    var reverse = ReverseName(IPAddress.Parse(name));
                    foreach (var host in items)
                    {
                        dns.Add(new SmarthostLab.Verification.Dns.DnsRecord(reverse, SmarthostLab.Verification.Dns.DnsRecordType.PTR, TimeSpan.FromMinutes(5), Host: host.TrimEnd('.')));
                    }

                    break;
                }

                case "mx":
                    var preference = 0;
                    foreach (var ip in items)
                    {
                        var exchange = $"mx{++mxCount}.synthetic.{name}";
                        dns.AddMx(name, preference += 10, exchange);
                        dns.AddA(exchange, ip);
                    }

                    break;
            }
        }

        return dns;
    }

    private static string ReverseName(IPAddress ip)
    {
        var bytes = ip.GetAddressBytes();
        if (bytes.Length == 4)
        {
            return $"{bytes[3]}.{bytes[2]}.{bytes[1]}.{bytes[0]}.in-addr.arpa";
        }

        var nibbles = new List<string>();
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            nibbles.Add((bytes[i] & 0xF).ToString("x", System.Globalization.CultureInfo.InvariantCulture));
            nibbles.Add((bytes[i] >> 4).ToString("x", System.Globalization.CultureInfo.InvariantCulture));
        }

        return string.Join('.', nibbles) + ".ip6.arpa";
    }
}
