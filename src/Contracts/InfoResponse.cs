namespace SmarthostLab.Contracts;

/// <summary>
/// GET /api/v1/info. <c>AuthRequired</c>: every client must AUTH before MAIL (Admission:Mode Auth or IpAndAuth);
/// <c>AuthMechanisms</c>: what EHLO lists after AUTH, empty when AUTH is not offered; <c>AuthRequiresTls</c>: AUTH
/// only after STARTTLS (Smtp:AllowAuthWithoutTls false). Read from a relay that predates AUTH: <c>AuthMechanisms</c> is null
/// (not known), <c>AuthRequired</c> and <c>AuthRequiresTls</c> false.
/// </summary>
public sealed record InfoResponse(
    string Version,
    string HostName,
    IReadOnlyList<SmtpEndpointResponse> Smtp,
    string? Http,
    LimitsResponse Limits,
    IReadOnlyList<string> EgressAddresses,
    string? AuthServId,
    bool AuthRequired,
    IReadOnlyList<string>? AuthMechanisms,
    bool AuthRequiresTls);

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
