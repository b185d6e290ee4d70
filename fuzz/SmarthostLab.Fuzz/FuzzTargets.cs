using SmarthostLab.Fuzz.Targets;

namespace SmarthostLab.Fuzz;

/// <summary>Every fuzz target, by name.</summary>
public static class FuzzTargets
{
    /// <summary>The targets in the order the docs list them.</summary>
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("command", "SMTP command lines (SmtpCommandReader/SmtpCommandParser), whole, in segments and as they arrive", CommandTarget.Run),
        new("data", "DATA decoding (SmtpDataDecoder + MessageContent): end marker, dot-stuffing round trip, chunk independence", DataTarget.Run),
        new("session", "a whole SMTP session over in-memory pipes fed the input: well-formed replies, no unexpected error, no hang", SessionTarget.Run),
        new("bdat", "a message sent in BDAT chunks cut where the input says: stored byte-exact, replies in order", BdatTarget.Run),
        new("zone", "zone files (ZoneFile/ZoneTokenizer) and the ZoneResolver built from them", ZoneTarget.Run),
        new("spf", "SPF records (SpfRecordParser) and macro expansion: parse, re-parse the same, expand without throwing", SpfTarget.Run),
        new("dkim", "DKIM/DMARC tag lists (TagList, DKIM-Signature, DKIM key records, DMARC records)", DkimTarget.Run),
        new("proxy", "PROXY protocol v1/v2 headers (ProxyHeaderParser) at every prefix: one decision whatever the cut, bounded, well-formed endpoints", ProxyTarget.Run),
    ];

    /// <summary>The target called <paramref name="name"/> (case-insensitive), or null.</summary>
    public static FuzzTarget? Find(string name) =>
        All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));
}
