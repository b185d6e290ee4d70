namespace SmarthostLab.Probe.Relay;

/// <summary>One recipient's onward delivery as the relay's API reports it (docs/API.md, Delivery; issue 13).</summary>
public sealed class RelayDelivery
{
    /// <summary>The word for a recipient the relay keeps and does not send on (Delivery:Mode=Store).</summary>
    public const string Stored = "stored";

    /// <summary>Waiting for its first attempt.</summary>
    public const string Queued = "queued";

    /// <summary>An attempt failed temporarily; the relay retries on its schedule.</summary>
    public const string Deferred = "deferred";

    /// <summary>The next hop accepted it.</summary>
    public const string Delivered = "delivered";

    /// <summary>Failed permanently.</summary>
    public const string Bounced = "bounced";

    /// <summary>Still failing at the end of the relay's queue lifetime.</summary>
    public const string Expired = "expired";

    /// <summary>The forward-path.</summary>
    public string? Recipient { get; set; }

    /// <summary><see cref="Stored"/>, <see cref="Queued"/>, <see cref="Deferred"/>, <see cref="Delivered"/>, <see cref="Bounced"/> or <see cref="Expired"/>.</summary>
    public string? State { get; set; }

    /// <summary>Destination key ("nexthop:[127.0.0.1]:2526", "mx:example.com"), null when stored.</summary>
    public string? Destination { get; set; }

    /// <summary>Attempts made.</summary>
    public int Attempts { get; set; }

    /// <summary>When the last attempt ended.</summary>
    public DateTimeOffset? LastAttemptAt { get; set; }

    /// <summary>When the next attempt is due (queued, deferred).</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }

    /// <summary>The next hop's host name.</summary>
    public string? RemoteHost { get; set; }

    /// <summary>The next hop's address and port, e.g. 127.0.0.5:25.</summary>
    public string? RemoteAddress { get; set; }

    /// <summary>The next hop's last reply, or why the relay gave up or waits.</summary>
    public string? LastReply { get; set; }
}
