namespace SmarthostLab.Relay.Api.Contracts;

/// <summary>GET /api/v1/info.</summary>
public sealed record InfoResponse(
    string Version,
    string HostName,
    IReadOnlyList<SmtpEndpointResponse> Smtp,
    string? Http,
    LimitsResponse Limits,
    IReadOnlyList<string> EgressAddresses,
    string? AuthServId);

/// <summary>One SMTP endpoint: bound address and its TLS mode (starttls, implicit, none).</summary>
/// <param name="Endpoint">HOST:PORT as bound.</param>
/// <param name="Tls">starttls, implicit or none.</param>
public sealed record SmtpEndpointResponse(string Endpoint, string Tls);

/// <summary>The SMTP limits in force.</summary>
public sealed record LimitsResponse(
    long MaxMessageSize,
    int MaxRecipients,
    int MaxConnections,
    int MaxConnectionsPerIp,
    int MaxBadCommands,
    double CommandTimeoutSeconds,
    double DataTimeoutSeconds);
