using System.Net.Sockets;
using SmarthostLab.Smtp.Proxy;
using SmarthostLab.Smtp.Tests.Support;

namespace SmarthostLab.Fuzz.Targets;

/// <summary>
/// The PROXY protocol header parser (issue 18; HAProxy's proxy-protocol.txt v1 and v2), on the input as the first
/// octets a load balancer's connection sent. The parser is asked again as more octets arrive, so its answer must not
/// depend on where the input was cut: every prefix of the input is parsed, and once one gets a decision (parsed,
/// missing, malformed, too long), every longer prefix gets the same one (a parsed header: the same header); before it,
/// every prefix is Incomplete. A parsed header is within its version's bound and the input, a PROXY one names a source
/// and destination of one address family and a LOCAL one none; a refusal says why in one line. The sequence overload,
/// fed the input in two segments, agrees with the span one.
/// </summary>
public static class ProxyTarget
{
    /// <summary>Runs the target on one input.</summary>
    public static void Run(ReadOnlySpan<byte> input)
    {
        // Past the v2 bound (and one octet more) nothing can change the decision.
        var data = input[..Math.Min(input.Length, ProxyHeaderParser.MaxV2Length + 1)];
        ProxyHeaderStatus? decided = null;
        var decidedHeader = default(ProxyHeader);
        for (var n = 0; n <= data.Length; n++)
        {
            var status = ProxyHeaderParser.TryParse(data[..n], out var header, out var problem);
            FuzzInvariantException.Check(Enum.IsDefined(status), () => $"status {(int)status} at {n} octets");
            if (decided is null)
            {
                if (status == ProxyHeaderStatus.Incomplete)
                {
                    FuzzInvariantException.Check(problem.Length == 0, () => $"Incomplete at {n} octets with a problem: {problem}");
                    continue;
                }
                decided = status;
                decidedHeader = header;
                Check(data[..n], status, header, problem);
                continue;
            }
            FuzzInvariantException.Check(status == decided, () => $"{decided} was decided, then {status} at {n} octets");
            FuzzInvariantException.Check(status != ProxyHeaderStatus.Parsed || header == decidedHeader,
                () => $"the header parsed as {decidedHeader}, then as {header} at {n} octets");
        }
        CheckSegments(data);
    }

    private static void Check(ReadOnlySpan<byte> input, ProxyHeaderStatus status, ProxyHeader header, string problem)
    {
        if (status != ProxyHeaderStatus.Parsed)
        {
            FuzzInvariantException.Check(problem.Length > 0 && !problem.Contains('\n') && !problem.Contains('\r'),
                () => $"{status} with the problem '{problem}' (one line, not empty)");
            return;
        }
        var length = input.Length;
        var bound = header.Version == 1 ? ProxyHeaderParser.MaxV1Length : ProxyHeaderParser.MaxV2Length;
        FuzzInvariantException.Check(header.Version is 1 or 2, () => $"version {header.Version}");
        FuzzInvariantException.Check(header.Length > 0 && header.Length <= bound && header.Length <= length,
            () => $"v{header.Version} header of {header.Length} octets in {length} (bound {bound})");
        FuzzInvariantException.Check(header.Length == length, () => $"decided at {length} octets for a header of {header.Length}");
        if (header.IsLocal)
        {
            FuzzInvariantException.Check(header.Destination is null, () => $"a LOCAL header with a destination {header.Destination}");
            return;
        }
        FuzzInvariantException.Check(header.Destination is not null, () => $"source {header.Source} without a destination");
        FuzzInvariantException.Check(header.Source!.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6
                                     && header.Source.AddressFamily == header.Destination!.AddressFamily,
            () => $"source {header.Source} and destination {header.Destination} differ in family");
    }

    /// <summary>The sequence overload agrees with the span one wherever the input is split in two segments.</summary>
    private static void CheckSegments(ReadOnlySpan<byte> data)
    {
        var expected = ProxyHeaderParser.TryParse(data, out var header, out var problem);
        var bytes = data.ToArray();
        foreach (var cut in new[] { 1, bytes.Length / 2, bytes.Length - 1 })
        {
            if (cut <= 0 || cut >= bytes.Length) continue;
            var status = ProxyHeaderParser.TryParse(SequenceBuilder.Create(bytes[..cut], bytes[cut..]), out var h, out var p);
            FuzzInvariantException.Check(status == expected && h == header && p == problem,
                () => $"split at {cut}: {status} {h} '{p}', whole: {expected} {header} '{problem}'");
        }
    }
}
