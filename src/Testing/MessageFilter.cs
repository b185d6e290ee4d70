using System.Globalization;
using System.Text;

namespace SmarthostLab.Testing;

/// <summary>
/// Filters of <c>GET /api/v1/messages</c> (docs/API.md); unset ones do not filter. Verdict filters take the RFC result
/// words: <see cref="Spf"/> <c>pass fail softfail neutral none temperror permerror</c> (the egress evaluation),
/// <see cref="Dkim"/> <c>pass fail neutral policy temperror permerror</c> (any signature) or <c>none</c> (unsigned),
/// <see cref="Dmarc"/> <c>pass fail none temperror permerror</c>, <see cref="Action"/> <c>accept tag quarantine reject</c>.
/// </summary>
public sealed record MessageFilter
{
    /// <summary>Free text matched against Subject, Message-ID and any header value.</summary>
    public string? Token { get; init; }

    /// <summary>Sender (MAIL FROM) contains this.</summary>
    public string? From { get; init; }

    /// <summary>A recipient contains this.</summary>
    public string? To { get; init; }

    /// <summary>Subject contains this.</summary>
    public string? Subject { get; init; }

    /// <summary>The account that sent it.</summary>
    public string? Account { get; init; }

    /// <summary>Received at or after this time.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>SPF result of the egress evaluation.</summary>
    public string? Spf { get; init; }

    /// <summary>A DKIM signature with this result, or <c>none</c> for unsigned messages.</summary>
    public string? Dkim { get; init; }

    /// <summary>DMARC result.</summary>
    public string? Dmarc { get; init; }

    /// <summary>What the relay did: accept, tag, quarantine, reject.</summary>
    public string? Action { get; init; }

    /// <summary>Quarantined or not.</summary>
    public bool? Quarantined { get; init; }

    /// <summary>A recipient in this delivery state: stored, queued, deferred, delivered, bounced, expired.</summary>
    public string? Delivery { get; init; }

    /// <summary>The page below this message id (the <c>next</c> of the previous page).</summary>
    public string? Before { get; init; }

    /// <summary>Messages to skip.</summary>
    public int? Offset { get; init; }

    /// <summary>Page size (the relay's default: 50).</summary>
    public int? Limit { get; init; }

    /// <summary>The query string, "" or starting with <c>?</c>.</summary>
    internal string ToQuery()
    {
        var query = new StringBuilder();
        Add(query, "token", Token);
        Add(query, "from", From);
        Add(query, "to", To);
        Add(query, "subject", Subject);
        Add(query, "account", Account);
        Add(query, "since", Since?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        Add(query, "spf", Spf);
        Add(query, "dkim", Dkim);
        Add(query, "dmarc", Dmarc);
        Add(query, "action", Action);
        Add(query, "quarantined", Quarantined is { } q ? (q ? "true" : "false") : null);
        Add(query, "delivery", Delivery);
        Add(query, "before", Before);
        Add(query, "offset", Offset?.ToString(CultureInfo.InvariantCulture));
        Add(query, "limit", Limit?.ToString(CultureInfo.InvariantCulture));
        return query.ToString();
    }

    /// <summary>Appends <c>name=value</c> (escaped) when <paramref name="value"/> is set.</summary>
    internal static void Add(StringBuilder query, string name, string? value)
    {
        if (value is null) return;
        query.Append(query.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
    }
}
