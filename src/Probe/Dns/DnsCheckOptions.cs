using System.Net;

namespace SmarthostLab.Probe.Dns;

/// <summary>What <c>probe dns</c> checks.</summary>
/// <param name="Domain">The sending domain.</param>
/// <param name="Selector">DKIM selector to check, or null.</param>
/// <param name="Egress">The smarthost's egress addresses SPF must authorize (empty = not checked).</param>
public sealed record DnsCheckOptions(string Domain, string? Selector, IReadOnlyList<IPAddress> Egress);
