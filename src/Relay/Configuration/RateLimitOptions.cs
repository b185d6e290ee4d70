namespace SmarthostLab.Relay.Configuration;

/// <summary>
/// One account's rate limits (<c>Accounts:N:Limits</c>), token buckets that refill continuously: a limit of N per minute
/// admits a burst of N, then one more every 60/N seconds. 0 (default) means no limit.
/// </summary>
public sealed class AccountLimitOptions
{
    /// <summary>Messages (MAIL commands accepted) per minute; past it MAIL gets 451 4.7.1.</summary>
    public int MessagesPerMinute { get; set; }

    /// <summary>Recipients (RCPT commands accepted) per minute; past it RCPT gets 451 4.7.1.</summary>
    public int RecipientsPerMinute { get; set; }

    /// <summary>Octets of message data per hour: checked against SIZE at MAIL and taken at the end of data (451 4.7.1).</summary>
    public long BytesPerHour { get; set; }

    /// <summary>Connections of the account open at once; past it the greeting is 421 4.7.0 and the connection closes.</summary>
    public int ConcurrentConnections { get; set; }

    /// <summary>New connections of the account per minute; past it 421 4.7.0.</summary>
    public int ConnectionsPerMinute { get; set; }

    /// <summary>True when any limit is set.</summary>
    internal bool Any => MessagesPerMinute > 0 || RecipientsPerMinute > 0 || BytesPerHour > 0 || ConcurrentConnections > 0 || ConnectionsPerMinute > 0;
}

/// <summary>
/// The <c>RateLimits</c> section: limits per client IP (IPv6: per <c>Smtp:IPv6PrefixLength</c> network), whoever the client
/// is. Concurrent connections per IP are <c>Smtp:MaxConnectionsPerIp</c>. Account limits are in <c>Accounts:N:Limits</c>.
/// </summary>
public sealed class RateLimitsOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "RateLimits";

    /// <summary>New connections per client IP per minute; past it 421 4.7.0 (0: no limit).</summary>
    public int ConnectionsPerMinutePerIp { get; set; }
}

/// <summary>
/// The <c>Greylisting</c> section: the first attempt of a (client network, sender, recipient) triplet gets 451 4.7.1; a retry
/// after <see cref="Delay"/> and within <see cref="Window"/> passes, and the triplet passes from then on until it has
/// not been seen for <see cref="Lifetime"/>. State is kept in the store. Defaults follow postgrey.
/// </summary>
public sealed class GreylistingOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Greylisting";

    /// <summary>Greylist every account's mail (each account may override with <c>Accounts:N:Greylisting</c>). Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>How long a new triplet is refused. Default 5 minutes.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long after the first attempt a retry still passes; after it the triplet starts again. Default 2 days.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromDays(2);

    /// <summary>How long a triplet that passed is remembered after it was last seen. Default 35 days.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromDays(35);

    /// <summary>IPv4 clients are grouped by this prefix (senders retry from another address of their pool). Default 24.</summary>
    public int IPv4PrefixLength { get; set; } = 24;

    /// <summary>IPv6 clients are grouped by this prefix. Default 64.</summary>
    public int IPv6PrefixLength { get; set; } = 64;

    /// <summary>Triplets kept; past it the oldest that have not passed are forgotten. Default 100,000.</summary>
    public int MaxEntries { get; set; } = 100_000;
}
