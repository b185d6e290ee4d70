namespace SmarthostLab.Relay.Storage;

/// <summary>Filters and paging of a message listing; null filters are not applied. Text filters are case-insensitive substrings.</summary>
public sealed record MessageQuery
{
    /// <summary>Matches MAIL FROM or the From header.</summary>
    public string? From { get; init; }
    /// <summary>Matches a recipient.</summary>
    public string? To { get; init; }
    /// <summary>Matches the Subject.</summary>
    public string? Subject { get; init; }
    /// <summary>Matches Subject, Message-ID or any header value.</summary>
    public string? Token { get; init; }
    /// <summary>Exact account name.</summary>
    public string? Account { get; init; }
    /// <summary>Received at or after.</summary>
    public DateTimeOffset? Since { get; init; }
    /// <summary>Exact DMARC result word.</summary>
    public string? Dmarc { get; init; }
    /// <summary>Exact SPF result word.</summary>
    public string? Spf { get; init; }
    /// <summary>DKIM result word: matches a message with any signature of that result ("none" = unsigned).</summary>
    public string? Dkim { get; init; }
    /// <summary>Exact action word.</summary>
    public string? Action { get; init; }
    /// <summary>Delivery state word (issue 13): a message with a recipient in that state; "stored" = not queued.</summary>
    public string? Delivery { get; init; }
    /// <summary>Quarantined flag.</summary>
    public bool? Quarantined { get; init; }
    /// <summary>
    /// Keyset paging: only messages stored before the message with this id (the <c>next</c> of the previous page), read
    /// from the row key down instead of counting past <see cref="Offset"/> rows; an id no longer stored gives an empty page.
    /// </summary>
    public string? Before { get; init; }
    /// <summary>Rows skipped.</summary>
    public int Offset { get; init; }
    /// <summary>Rows returned at most.</summary>
    public int Limit { get; init; } = 50;
}
