using System.Net;

namespace SmarthostLab.Relay.Delivery;

/// <summary>One address to try for a destination, in the order the client should try them.</summary>
/// <param name="HostName">The host the address belongs to (MX exchange, next-hop host, or the domain for an implicit MX);
/// for an IP literal the address text. For TLS name checks and logs.</param>
/// <param name="Address">The address to connect to.</param>
/// <param name="Port">The port to connect to.</param>
/// <param name="Preference">The MX preference (RFC 5321 5.1); 0 for next hops, literals and implicit MX.</param>
public sealed record DeliveryTarget(string HostName, IPAddress Address, int Port, int Preference);
