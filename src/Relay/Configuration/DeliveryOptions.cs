using SmarthostLab.Smtp.Client;

namespace SmarthostLab.Relay.Configuration;

/// <summary>Where accepted mail goes (issue 13).</summary>
public enum DeliveryMode
{
    /// <summary>Kept in the store; nothing leaves (default). <c>POST /api/v1/messages/{id}/release</c> sends one on.</summary>
    Store,
    /// <summary>Every recipient to <see cref="DeliveryOptions.NextHop"/>.</summary>
    NextHop,
    /// <summary>Per recipient domain through MX records (RFC 5321 5.1), the relay's own resolver, zone first.</summary>
    Mx,
}

/// <summary>The <c>Delivery</c> configuration section: the outbound queue and its SMTP client.</summary>
public sealed class DeliveryOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Delivery";

    /// <summary>Default retry schedule, like Exchange's: 1 min, 5, 15, 30 min, 1 h, then hourly (the last step repeats).</summary>
    public const string DefaultRetrySchedule = "1m,5m,15m,30m,1h";

    /// <summary>Store (default), NextHop or Mx.</summary>
    public DeliveryMode Mode { get; set; } = DeliveryMode.Store;

    /// <summary>NextHop mode: <c>host:port</c> or <c>[ip]:port</c>.</summary>
    public string? NextHop { get; set; }

    /// <summary>Mx mode: the port of every MX host. Default 25.</summary>
    public int MxPort { get; set; } = 25;

    /// <summary>Local address the outbound sockets bind to (labs give the relay its own, e.g. 127.0.0.25); empty = any.</summary>
    public string? SourceAddress { get; set; }

    /// <summary>Onward TLS: Opportunistic (default: STARTTLS when offered, any certificate), Required, RequiredValid, None.</summary>
    public SmtpClientTls Tls { get; set; } = SmtpClientTls.Opportunistic;

    /// <summary>Most connections to one destination at once (Postfix's default_destination_concurrency_limit). Default 20.</summary>
    public int MaxConnectionsPerDestination { get; set; } = 20;

    /// <summary>Most outbound connections at once. Default 100.</summary>
    public int MaxConnections { get; set; } = 100;

    /// <summary>
    /// Delays between attempts of a deferred recipient, comma-separated; the last repeats. Each is a time span
    /// (<c>00:05:00</c>) or a number with a unit s, m, h or d (<c>5m</c>). Default <see cref="DefaultRetrySchedule"/>.
    /// </summary>
    public string RetrySchedule { get; set; } = DefaultRetrySchedule;

    /// <summary>How long a recipient may stay deferred before it expires and bounces (4.4.7). Default 2 days.</summary>
    public TimeSpan MaxQueueLifetime { get; set; } = TimeSpan.FromDays(2);

    /// <summary>TCP connect timeout. Default 30 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Wait for each reply but the one after the message content. Default 5 min (RFC 5321 4.5.3.2).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Wait for the reply after the message content. Default 10 min (RFC 5321 4.5.3.2.6).</summary>
    public TimeSpan DataTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long an idle outbound connection is kept open for the next message to its destination. Default 2 s.</summary>
    public TimeSpan ConnectionIdleTime { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Send DSNs for NOTIFY=SUCCESS when the next hop does not take DSN responsibility (Action: relayed). Default true.</summary>
    public bool SuccessNotifications { get; set; } = true;

    /// <summary>The parsed <see cref="RetrySchedule"/> (validated at start).</summary>
    public IReadOnlyList<TimeSpan> RetryDelays => RetryScheduleParser.Parse(RetrySchedule, out _) ?? [TimeSpan.FromMinutes(1)];
}

/// <summary>An account's own delivery route (<c>Accounts:N:Delivery</c>), overriding the <c>Delivery</c> section.</summary>
public sealed class AccountDeliveryOptions
{
    /// <summary>The account's mode, or null for the global one.</summary>
    public DeliveryMode? Mode { get; set; }

    /// <summary>The account's next hop, or null for the global one.</summary>
    public string? NextHop { get; set; }
}

/// <summary>Parses <see cref="DeliveryOptions.RetrySchedule"/>.</summary>
public static class RetryScheduleParser
{
    /// <summary>The delays, or null with <paramref name="error"/> naming the bad item.</summary>
    public static IReadOnlyList<TimeSpan>? Parse(string? text, out string? error)
    {
        error = null;
        var result = new List<TimeSpan>();
        foreach (var raw in (text ?? "").Split(',', StringSplitOptions.TrimEntries))
        {
            if (!TryParseDelay(raw, out var delay) || delay <= TimeSpan.Zero)
            {
                error = $"'{raw}' is not a positive delay (use 00:05:00 or 5m; units s, m, h, d)";
                return null;
            }
            result.Add(delay);
        }
        return result;
    }

    private static bool TryParseDelay(string text, out TimeSpan delay)
    {
        delay = default;
        if (text.Length == 0) return false;
        if (text.Contains(':')) return TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out delay);
        var unit = char.ToLowerInvariant(text[^1]);
        if (!double.TryParse(text.AsSpan(0, text.Length - 1), System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var n)) return false;
        delay = unit switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            'd' => TimeSpan.FromDays(n),
            _ => TimeSpan.Zero,
        };
        return delay > TimeSpan.Zero;
    }
}
