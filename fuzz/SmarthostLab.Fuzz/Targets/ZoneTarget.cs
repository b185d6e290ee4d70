using System.Net.Sockets;
using System.Text;
using SmarthostLab.Verification.Dns;

namespace SmarthostLab.Fuzz.Targets;

/// <summary>
/// The zone-file reader (<see cref="ZoneFile"/>, its tokenizer) on the input read as <see cref="ZoneFile.Load"/> reads a
/// file (Latin-1, octet for char), without and with an initial origin, then the <see cref="ZoneResolver"/> built from it.
/// Invariants: the only exception is <see cref="ZoneFileException"/>, naming a line of the file; a parsed zone's owner
/// names are lower case without a trailing dot and all listed in <see cref="ZoneFile.Names"/>; TTLs are between 0 and
/// 2^31-1 s; TXT strings are at most 255 octets; A is IPv4, AAAA IPv6; every record is answered NOERROR, itself among
/// the answers, when the resolver is asked for its name and type.
/// </summary>
public static class ZoneTarget
{
    private const int MaxRecordsQueried = 256;

    /// <summary>Runs the target on one input.</summary>
    public static void Run(ReadOnlySpan<byte> input)
    {
        var text = Encoding.Latin1.GetString(input);
        var lines = 1 + input.Count((byte)'\n');
        foreach (var origin in (string?[])[null, "fuzz.test."])
        {
            ZoneFile zone;
            try
            {
                zone = ZoneFile.Parse(text, "fuzz.zone", origin);
            }
            catch (ZoneFileException e)
            {
                FuzzInvariantException.Check(e.FileName == "fuzz.zone" && e.Line >= 1 && e.Line <= lines,
                    () => $"error names line {e.Line} of a {lines}-line file: {e.Message}");
                FuzzInvariantException.Check(e.Problem.Length > 0, "an error without a problem");
                continue;
            }
            Check(zone);
        }
    }

    private static void Check(ZoneFile zone)
    {
        foreach (var (apex, ttl) in zone.Apexes)
        {
            CheckName(apex, "apex");
            CheckTtl(ttl, $"negative TTL of apex '{apex}'");
        }
        foreach (var r in zone.Records)
        {
            CheckName(r.Name, "owner");
            CheckTtl(r.Ttl, $"TTL of {r.Type} record at '{r.Name}'");
            FuzzInvariantException.Check(zone.Names.Contains(r.Name), () => $"owner '{r.Name}' missing from Names");
            switch (r.Type)
            {
                case DnsRecordType.A or DnsRecordType.AAAA:
                    var family = r.Type == DnsRecordType.A ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
                    FuzzInvariantException.Check(r.Address?.AddressFamily == family, () => $"{r.Type} record at '{r.Name}' holds {r.Address}");
                    break;
                case DnsRecordType.TXT:
                    FuzzInvariantException.Check(r.TextStrings is { Count: > 0 } && r.TextStrings.All(s => s.Length <= 255 && s.All(c => c <= '\xff')),
                        () => $"TXT record at '{r.Name}' has an empty list or a string past 255 octets");
                    break;
                default:
                    FuzzInvariantException.Check(r.Host is not null, () => $"{r.Type} record at '{r.Name}' without a host");
                    break;
            }
        }

        var resolver = new ZoneResolver([zone]);
        foreach (var r in zone.Records.Take(MaxRecordsQueried))
        {
            var answer = resolver.QueryAsync(r.Name, r.Type).AsTask().GetAwaiter().GetResult();
            FuzzInvariantException.Check(answer.Status == DnsStatus.NoError && answer.Records.Contains(r),
                () => $"{r.Type} record at '{r.Name}' not answered (got {answer.Status}, {answer.Records.Count} records)");
        }
        // A CNAME may point at a name the zone says does not exist (RFC 6604): only names without one are checked.
        var aliases = zone.Records.Where(r => r.Type == DnsRecordType.CNAME).Select(r => r.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var name in zone.Names.Where(n => !aliases.Contains(n)).Take(MaxRecordsQueried))
        {
            var answer = resolver.QueryAsync(name, DnsRecordType.TXT).AsTask().GetAwaiter().GetResult();
            FuzzInvariantException.Check(answer.Status != DnsStatus.NxDomain, () => $"'{name}' is held by the file but answered NXDOMAIN");
        }
    }

    private static void CheckName(string name, string what) =>
        FuzzInvariantException.Check(name == name.ToLowerInvariant() && !name.EndsWith('.'), () => $"{what} name '{name}' is not lower case without a trailing dot");

    private static void CheckTtl(TimeSpan ttl, string what) =>
        FuzzInvariantException.Check(ttl >= TimeSpan.Zero && ttl.TotalSeconds <= int.MaxValue, () => $"{what}: {ttl.TotalSeconds} s is outside 0..2^31-1");
}
