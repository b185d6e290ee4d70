namespace SmarthostLab.Contracts;

/// <summary>
/// The API's <c>Message</c> (docs/API.md). <c>Verdict</c>: null when the message was stored with verification off
/// (<c>Verification:Enabled=false</c>). <c>AuthenticatedUser</c>: the SMTP AUTH user of its session, or null.
/// Read from a relay older than a field, the field is null: <c>Delivery</c> (before issue 13: the probe's RelayClient reads
/// it as empty), <c>DsnOf</c>, <c>AuthenticatedUser</c>.
/// </summary>
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
    Verdict? Verdict,
    IReadOnlyList<DeliveryResponse> Delivery,
    string? DsnOf,
    string? AuthenticatedUser = null);

/// <summary>One recipient's delivery (issue 13): state stored, queued, deferred, delivered, bounced or expired.</summary>
/// <param name="Recipient">The forward-path.</param>
/// <param name="State">The state word.</param>
/// <param name="Destination">Destination key ("nexthop:[127.0.0.1]:2526", "mx:example.com"), null when stored.</param>
/// <param name="Attempts">Attempts made.</param>
/// <param name="LastAttemptAt">When the last attempt ended.</param>
/// <param name="NextAttemptAt">When the next attempt is due (queued, deferred).</param>
/// <param name="RemoteHost">The next hop's host name.</param>
/// <param name="RemoteAddress">The next hop's address and port.</param>
/// <param name="LastReply">The next hop's last reply, or why the relay gave up or waits.</param>
public sealed record DeliveryResponse(
    string Recipient,
    string State,
    string? Destination,
    int Attempts,
    DateTime? LastAttemptAt,
    DateTime? NextAttemptAt,
    string? RemoteHost,
    string? RemoteAddress,
    string? LastReply);

/// <summary>GET /api/v1/queue: recipients by state, and the deferred ones with their last reply and next attempt.</summary>
/// <param name="Counts">Recipients by state.</param>
/// <param name="Connections">Outbound connections open now.</param>
/// <param name="Deferred">Deferred recipients, soonest next attempt first.</param>
public sealed record QueueResponse(IReadOnlyDictionary<string, long> Counts, int Connections, IReadOnlyList<DeferredResponse> Deferred);

/// <summary>A deferred recipient.</summary>
/// <param name="MessageId">The message's id.</param>
/// <param name="Delivery">Its delivery.</param>
public sealed record DeferredResponse(string MessageId, DeliveryResponse Delivery);

/// <summary>POST /api/v1/messages/{id}/release: where to send a stored message.</summary>
/// <param name="NextHop"><c>host:port</c> or <c>[ip]:port</c>.</param>
public sealed record ReleaseRequest(string? NextHop);

/// <summary>The answer to a release or a flush.</summary>
/// <param name="Id">The released message, or null for a flush.</param>
/// <param name="Recipients">Recipients queued (release) or made due now (flush).</param>
/// <param name="Destination">The destination key of a release.</param>
public sealed record QueueActionResponse(string? Id, int Recipients, string? Destination);

/// <summary>TLS details of a message's session.</summary>
/// <param name="Protocol">e.g. Tls13.</param>
/// <param name="Cipher">e.g. TLS_AES_256_GCM_SHA384.</param>
public sealed record TlsResponse(string Protocol, string? Cipher);

/// <summary><c>{"messages":[…],"total":N,"next":"01J…"}</c>.</summary>
/// <param name="Messages">The page.</param>
/// <param name="Total">Matching messages in all.</param>
/// <param name="Next">The cursor of the next page (<c>before=</c>): the last message's id when the page is full, else null.</param>
public sealed record MessageListResponse(IReadOnlyList<MessageResponse> Messages, int Total, string? Next = null);
