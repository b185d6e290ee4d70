namespace SmarthostLab.Relay.Delivery;

/// <summary>What one attempt did for one recipient.</summary>
internal enum AttemptResult
{
    /// <summary>The next hop accepted it.</summary>
    Delivered,
    /// <summary>A temporary failure: retry on the schedule.</summary>
    Deferred,
    /// <summary>A permanent failure.</summary>
    Bounced,
}

/// <summary>One recipient's attempt outcome.</summary>
/// <param name="Result">Delivered, deferred or bounced.</param>
/// <param name="Status">RFC 3463 status for a DSN, e.g. 5.1.1.</param>
/// <param name="Reply">The next hop's reply line, or null when the relay decided (then <paramref name="Reason"/>).</param>
/// <param name="Reason">Why, in words, when there is no reply.</param>
internal readonly record struct RecipientOutcome(AttemptResult Result, string Status, string? Reply, string? Reason)
{
    /// <summary>The line kept as last_reply: the reply, else the reason.</summary>
    public string Text => Reply ?? Reason ?? "";

    /// <summary>From a next hop's reply: 2xx delivered, 4xx deferred, 5xx bounced; status from its enhanced code or the class.</summary>
    public static RecipientOutcome FromReply(Smtp.Client.SmtpClientReply reply) => new(
        reply.IsPositive ? AttemptResult.Delivered : reply.IsTransient ? AttemptResult.Deferred : AttemptResult.Bounced,
        reply.EnhancedCode ?? (reply.IsPositive ? "2.0.0" : reply.IsTransient ? "4.0.0" : "5.0.0"),
        reply.ToString(), null);

    /// <summary>A failure decided by the relay.</summary>
    public static RecipientOutcome Failure(bool permanent, string status, string reason) =>
        new(permanent ? AttemptResult.Bounced : AttemptResult.Deferred, status, null, reason);
}
