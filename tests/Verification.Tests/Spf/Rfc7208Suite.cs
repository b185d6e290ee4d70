using System.Net;
using SmarthostLab.Verification.Dns;
using SmarthostLab.Verification.Tests.Dns;
using YamlDotNet.RepresentationModel;

namespace SmarthostLab.Verification.Tests.Spf;

/// <summary>
/// Loads the openspf RFC 7208 test suite (data/spf/rfc7208-tests.yml): one scenario per YAML
/// document, each with its zonedata turned into an <see cref="InMemoryDnsResolver"/>. SPF records
/// are served as TXT (the suite's rule for RFC 7208 drivers); TIMEOUT makes every query for the
/// name time out; YAML \xNN escapes arrive as U+00NN characters, which is the Latin-1 raw-octet
/// form <see cref="DnsRecord.TextStrings"/> uses.
/// </summary>
internal static class Rfc7208Suite
{
    private static readonly Lazy<IReadOnlyList<Rfc7208Case>> Loaded = new(Load);

    public static IReadOnlyList<Rfc7208Case> Cases => Loaded.Value;

    public static string DataPath => Path.Combine(AppContext.BaseDirectory, "data", "spf", "rfc7208-tests.yml");

    private static List<Rfc7208Case> Load()
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(DataPath))
        {
            stream.Load(reader);
        }

        var cases = new List<Rfc7208Case>();
        foreach (var document in stream.Documents)
        {
            var root = (YamlMappingNode)document.RootNode;
            var scenario = Scalar(root, "description") ?? "?";
            var zone = root.Children.TryGetValue(new YamlScalarNode("zonedata"), out var z) ? z as YamlMappingNode : null;
            var tests = (YamlMappingNode)root.Children[new YamlScalarNode("tests")];
            foreach (var (key, value) in tests.Children)
            {
                var test = (YamlMappingNode)value;
                var resultNode = test.Children[new YamlScalarNode("result")];
                var results = resultNode is YamlSequenceNode list
                    ? list.Children.Select(n => ((YamlScalarNode)n).Value!).ToArray()
                    : [((YamlScalarNode)resultNode).Value!];
                cases.Add(new Rfc7208Case(
                    scenario,
                    ((YamlScalarNode)key).Value!,
                    Scalar(test, "helo") ?? string.Empty,
                    Scalar(test, "host")!,
                    Scalar(test, "mailfrom") ?? string.Empty,
                    results,
                    Scalar(test, "explanation"),
                    zone));
            }
        }

        return cases;
    }

    public static InMemoryDnsResolver BuildResolver(YamlMappingNode? zone)
    {
        var dns = new InMemoryDnsResolver();
        if (zone is null)
        {
            return dns;
        }

        var ttl = TimeSpan.FromMinutes(5);
        foreach (var (nameNode, recordsNode) in zone.Children)
        {
            var name = ((YamlScalarNode)nameNode).Value!;
            dns.AddEmpty(name);
            var hasTxt = false;
            var spf = new List<string[]>();
            foreach (var entry in ((YamlSequenceNode)recordsNode).Children)
            {
                if (entry is YamlScalarNode { Value: "TIMEOUT" })
                {
                    dns.AddTimeout(name);
                    continue;
                }

                var (typeNode, valueNode) = ((YamlMappingNode)entry).Children.Single();
                var type = ((YamlScalarNode)typeNode).Value!.ToUpperInvariant();
                switch (type)
                {
                    case "SPF" or "TXT":
                        hasTxt |= type == "TXT";
                        if (valueNode is YamlScalarNode { Value: "NONE" })
                        {
                            break;
                        }

                        var strings = valueNode is YamlSequenceNode seq
                            ? seq.Children.Select(n => ((YamlScalarNode)n).Value ?? string.Empty).ToArray()
                            : [((YamlScalarNode)valueNode).Value ?? string.Empty];
                        if (type == "TXT")
                        {
                            dns.Add(new DnsRecord(name, DnsRecordType.TXT, ttl, TextStrings: strings));
                        }
                        else
                        {
                            spf.Add(strings);
                        }

                        break;
                    case "A" or "AAAA":
                        dns.Add(new DnsRecord(name, type == "A" ? DnsRecordType.A : DnsRecordType.AAAA, ttl, Address: IPAddress.Parse(((YamlScalarNode)valueNode).Value!)));
                        break;
                    case "MX":
                        var mx = (YamlSequenceNode)valueNode;
                        dns.Add(new DnsRecord(name, DnsRecordType.MX, ttl, Host: ((YamlScalarNode)mx.Children[1]).Value!.TrimEnd('.'), Preference: int.Parse(((YamlScalarNode)mx.Children[0]).Value!, System.Globalization.CultureInfo.InvariantCulture)));
                        break;
                    case "PTR" or "CNAME":
                        dns.Add(new DnsRecord(name, type == "PTR" ? DnsRecordType.PTR : DnsRecordType.CNAME, ttl, Host: ((YamlScalarNode)valueNode).Value!.TrimEnd('.')));
                        break;
                    default:
                        throw new InvalidDataException($"unsupported zonedata type {type} at {name}");
                }
            }

            // The suite's rule: SPF (type 99) records are served as TXT unless the name lists TXT itself.
            if (!hasTxt)
            {
                foreach (var strings in spf)
                {
                    dns.Add(new DnsRecord(name, DnsRecordType.TXT, ttl, TextStrings: strings));
                }
            }
        }

        return dns;
    }

    private static string? Scalar(YamlMappingNode node, string key)
        => node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;
}
