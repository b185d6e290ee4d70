namespace SmarthostLab.Smtp.Server;

/// <summary>
/// One connection's place in the <see cref="SmtpConnectionLimiter"/>'s counts, set by the limiter as a connection
/// feature: the general pool (<see cref="SmtpOptions.MaxConnections"/>) from arrival, the refused budget
/// (<see cref="SmtpOptions.MaxRefusedConnections"/>) once its session is known to be refused.
/// </summary>
internal sealed class SmtpConnectionSlot(SmtpConnectionLimiter limiter)
{
    /// <summary>True once the connection counts against the refused budget instead of the general pool.</summary>
    public bool InRefusedBudget { get; internal set; }

    /// <summary>Moves the connection to the refused budget; false when the budget is full (it stays where it is).</summary>
    public bool TryMoveToRefused() => limiter.TryMoveToRefused(this);
}
