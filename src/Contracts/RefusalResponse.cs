namespace SmarthostLab.Contracts;

/// <summary>The API's <c>Refusal</c> (docs/API.md).</summary>
public sealed record RefusalResponse(
    long Id,
    DateTime Time,
    string ClientIp,
    string? Helo,
    string Stage,
    string Reply,
    string Reason,
    string? Account,
    string? MailFrom,
    string? Recipient);

/// <summary><c>{"refusals":[…],"total":N}</c>.</summary>
/// <param name="Refusals">The page.</param>
/// <param name="Total">Matching refusals in all.</param>
public sealed record RefusalListResponse(IReadOnlyList<RefusalResponse> Refusals, int Total);
