using SmarthostLab.Contracts;

namespace SmarthostLab.Probe.Tests.Send;

/// <summary>The relay's contract types with only the fields a test names set; the rest as a relay sends them when empty.</summary>
internal static class Contract
{
    public static readonly DateTime At = new(2026, 11, 23, 11, 7, 0, DateTimeKind.Utc);

    public static MessageResponse Message(string id, string clientIp, string? account = null, TlsResponse? tls = null, Verdict? verdict = null) =>
        new(id, account, clientIp, null, tls, "alice@contoso.test", "", ["bob@example.com"], 1234, At, null, null, null, false, verdict, [], null);

    public static InfoResponse Info(string hostName, params string[] egressAddresses) =>
        new("0.1.0", hostName, [], null, new LimitsResponse(0, 0, 0, 0, 0, 0, 0), egressAddresses, null, false, [], false);

    public static AccountResponse Account(string name, string[] outboundServers, string[] domains) =>
        new(name, outboundServers, domains, "accept", "tag");

    public static RefusalResponse Refusal(string clientIp, string stage, string reason, string reply) =>
        new(1, At, clientIp, null, stage, reply, reason, null, null, null);
}
