using System.Collections.Concurrent;

namespace SmarthostLab.Bench.Soak;

/// <summary>How a hostile connection ended.</summary>
public enum LifeOutcome
{
    /// <summary>The relay closed it (FIN or RST) while running.</summary>
    ClosedByRelay,

    /// <summary>It was still open past its bound plus the grace: the bench closed it.</summary>
    OutlivedBound,

    /// <summary>No bound applies (slow DATA from a registered address); the relay closed it when it was stopped.</summary>
    ClosedAtShutdown,

    /// <summary>No bound applies, and it was still open after the relay had stopped: the bench closed it.</summary>
    OpenAtEnd,
}

/// <summary>
/// One hostile connection: its group ("unregistered pipeline", "flood hold"…), how long it lived, its bound, and
/// whether the relay's close was seen on the relay's side while the client still saw the connection open (the FIN
/// queued behind replies the client had not read).
/// </summary>
public readonly record struct HostileLife(string Group, TimeSpan Lifetime, TimeSpan? Bound, LifeOutcome Outcome, bool FinBehindData = false);

/// <summary>The lives of every hostile connection of a run, recorded from many tasks at once.</summary>
internal sealed class HostileLives
{
    private readonly ConcurrentQueue<HostileLife> _lives = new();

    /// <summary>Set just before the relay is sent SIGTERM: a connection closed after it closed at shutdown.</summary>
    public volatile bool RelayStopping;

    /// <summary>Records one connection.</summary>
    public void Add(string group, TimeSpan lifetime, TimeSpan? bound, LifeOutcome outcome, bool finBehindData = false) =>
        _lives.Enqueue(new HostileLife(group, lifetime, bound, outcome, finBehindData));

    /// <summary>Every connection recorded so far.</summary>
    public IReadOnlyList<HostileLife> All => [.. _lives];
}
