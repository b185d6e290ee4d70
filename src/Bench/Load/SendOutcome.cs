namespace SmarthostLab.Bench.Load;

/// <summary>The result of one message attempt in a session.</summary>
/// <param name="Accepted">The final reply was 250.</param>
/// <param name="Stage">Where a refusal happened: greeting, mail, rcpt, data, bdat, end-of-data.</param>
/// <param name="Code">The refusing reply code (0 when accepted).</param>
/// <param name="LatencyTicks">Stopwatch ticks from the last octet of the message written to its final reply.</param>
/// <param name="SessionUsable">False when the server closed or wants to close (421) the session.</param>
public readonly record struct SendOutcome(bool Accepted, string Stage, int Code, long LatencyTicks, bool SessionUsable);
