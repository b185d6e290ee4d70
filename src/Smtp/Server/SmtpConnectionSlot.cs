namespace SmarthostLab.Smtp.Server;

/// <summary>Where a connection is counted.</summary>
internal enum SlotPlace
{
    /// <summary>The general pool (<see cref="SmtpOptions.MaxConnections"/>).</summary>
    General,
    /// <summary>The refused budget (<see cref="SmtpOptions.MaxRefusedConnections"/>).</summary>
    Refused,
    /// <summary>Nowhere: a refused session past the budget, closed at once after its refusal line.</summary>
    Nowhere,
}

/// <summary>
/// One connection's place in the <see cref="SmtpConnectionLimiter"/>'s counts, set by the limiter as a connection
/// feature: the general pool (<see cref="SmtpOptions.MaxConnections"/>) from arrival, or the refused budget
/// (<see cref="SmtpOptions.MaxRefusedConnections"/>) from arrival when the handler says it will refuse the client,
/// else once its session is known to be refused.
/// </summary>
internal sealed class SmtpConnectionSlot(SmtpConnectionLimiter limiter)
{
    /// <summary>Where the connection counts now.</summary>
    public SlotPlace Place { get; internal set; }

    /// <summary>True when the connection counts against the refused budget.</summary>
    public bool InRefusedBudget => Place == SlotPlace.Refused;

    /// <summary>Moves the connection to the refused budget; false when the budget is full (it then counts nowhere and must close).</summary>
    public bool TryMoveToRefused() => limiter.TryMoveToRefused(this);
}
