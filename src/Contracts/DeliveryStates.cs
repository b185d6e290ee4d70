namespace SmarthostLab.Contracts;

/// <summary>Per-recipient queue states (issue 13); <c>stored</c> is the state of a recipient that has no queue row (Store mode).</summary>
public static class DeliveryStates
{
    /// <summary>Kept in the store, not queued (Store mode).</summary>
    public const string Stored = "stored";
    /// <summary>Waiting for its first attempt.</summary>
    public const string Queued = "queued";
    /// <summary>An attempt failed temporarily; retried on the schedule.</summary>
    public const string Deferred = "deferred";
    /// <summary>The next hop accepted it (final).</summary>
    public const string Delivered = "delivered";
    /// <summary>Failed permanently (final).</summary>
    public const string Bounced = "bounced";
    /// <summary>Still failing at the end of the queue lifetime (final).</summary>
    public const string Expired = "expired";

    /// <summary>Every state word, for filters.</summary>
    public static readonly string[] All = [Stored, Queued, Deferred, Delivered, Bounced, Expired];

    /// <summary>True for delivered, bounced and expired.</summary>
    public static bool IsFinal(string state) => state is Delivered or Bounced or Expired;
}
