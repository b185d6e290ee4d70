namespace SmarthostLab.Bench.Load;

/// <summary>What a load run has counted so far, shared by its workers (each count one interlocked add): read by the progress line.</summary>
public sealed class LiveCounters
{
    private long _accepted;
    private long _refused;
    private long _errors;
    private long _late;

    /// <summary>Counts one message answered 250.</summary>
    public void Accept() => Interlocked.Increment(ref _accepted);

    /// <summary>Counts one refused message (or refused session).</summary>
    public void Refuse() => Interlocked.Increment(ref _refused);

    /// <summary>Counts one error.</summary>
    public void Error() => Interlocked.Increment(ref _errors);

    /// <summary>Counts one open-loop message that could not start on time (every connection was busy).</summary>
    public void Late() => Interlocked.Increment(ref _late);

    /// <summary>The counts now.</summary>
    public LiveSnapshot Read() => new(Volatile.Read(ref _accepted), Volatile.Read(ref _refused), Volatile.Read(ref _errors), Volatile.Read(ref _late));
}

/// <summary>The counts of <see cref="LiveCounters"/> at one moment.</summary>
/// <param name="Accepted">Messages answered 250.</param>
/// <param name="Refused">Messages or sessions refused.</param>
/// <param name="Errors">Errors (connection failures, closed sessions, protocol violations).</param>
/// <param name="Late">Open-loop messages that could not start on time.</param>
public readonly record struct LiveSnapshot(long Accepted, long Refused, long Errors, long Late);
