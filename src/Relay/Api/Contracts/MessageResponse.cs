using System.Text.Json;

namespace SmarthostLab.Relay.Api.Contracts;

/// <summary>The API's <c>Message</c> (docs/API.md).</summary>
public sealed record MessageResponse(
    string Id,
    string? Account,
    string ClientIp,
    string? Helo,
    TlsResponse? Tls,
    string MailFrom,
    string MailFromParameters,
    IReadOnlyList<string> Recipients,
    long Size,
    DateTime ReceivedAt,
    string? Subject,
    string? MessageId,
    string? From,
    bool Quarantined,
    JsonElement? Verdict);

/// <summary>TLS details of a message's session.</summary>
/// <param name="Protocol">e.g. Tls13.</param>
/// <param name="Cipher">e.g. TLS_AES_256_GCM_SHA384.</param>
public sealed record TlsResponse(string Protocol, string? Cipher);

/// <summary><c>{"messages":[…],"total":N}</c>.</summary>
/// <param name="Messages">The page.</param>
/// <param name="Total">Matching messages in all.</param>
public sealed record MessageListResponse(IReadOnlyList<MessageResponse> Messages, int Total);
