namespace SmarthostLab.Contracts;

/// <summary>An account as the API shows it.</summary>
/// <param name="Name">Name.</param>
/// <param name="OutboundServers">Effective outbound servers (configured plus runtime changes), canonical.</param>
/// <param name="Domains">Domains.</param>
/// <param name="MailFromPolicy">accept or reject.</param>
/// <param name="DmarcFailurePolicy">tag, quarantine or reject.</param>
public sealed record AccountResponse(string Name, IReadOnlyList<string> OutboundServers, IReadOnlyList<string> Domains, string MailFromPolicy, string DmarcFailurePolicy);

/// <summary><c>{"accounts":[…]}</c>.</summary>
/// <param name="Accounts">Every account.</param>
public sealed record AccountListResponse(IReadOnlyList<AccountResponse> Accounts);

/// <summary>Body of POST /api/v1/accounts/{name}/outbound-servers.</summary>
/// <param name="Address">IP address or CIDR range.</param>
public sealed record OutboundServerRequest(string? Address);
