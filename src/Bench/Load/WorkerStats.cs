namespace SmarthostLab.Bench.Load;

/// <summary>
/// What one load worker counted; owned by that worker alone and merged at the end of the run. Each count also goes
/// to the run's <see cref="LiveCounters"/> (the progress line); latencies go to the run's shared histograms.
/// </summary>
public sealed class WorkerStats(LiveCounters live)
{
    /// <summary>Messages answered 250 at the end of data.</summary>
    public long Accepted { get; private set; }

    /// <summary>Sessions opened.</summary>
    public long Sessions { get; set; }

    /// <summary>Open loop: messages started (their first command written).</summary>
    public long Started { get; set; }

    /// <summary>Open loop: messages that could not start at their intended time because every connection was busy.</summary>
    public long Late { get; private set; }

    /// <summary>Open loop: the longest wait of a late message for a free connection, in <see cref="System.Diagnostics.Stopwatch"/> ticks.</summary>
    public long MaxStartDelayTicks { get; private set; }

    /// <summary>Refusals keyed "stage code" (e.g. "rcpt 550"), with the first reply text seen.</summary>
    public Dictionary<string, (long Count, string Text)> Refusals { get; } = [];

    /// <summary>Errors (connection failures, closed sessions, protocol violations) keyed by kind.</summary>
    public Dictionary<string, long> Errors { get; } = [];

    /// <summary>Counts one accepted message.</summary>
    public void Accept()
    {
        Accepted++;
        live.Accept();
    }

    /// <summary>Counts one message that started <paramref name="delayTicks"/> after its intended time.</summary>
    public void StartedLate(long delayTicks)
    {
        Late++;
        MaxStartDelayTicks = Math.Max(MaxStartDelayTicks, delayTicks);
        live.Late();
    }

    /// <summary>Counts one refusal.</summary>
    public void Refuse(string stage, int code, string text)
    {
        var key = $"{stage} {code}";
        Refusals[key] = Refusals.TryGetValue(key, out var v) ? (v.Count + 1, v.Text) : (1, text);
        live.Refuse();
    }

    /// <summary>Counts one error.</summary>
    public void Error(string kind)
    {
        Errors[kind] = Errors.GetValueOrDefault(kind) + 1;
        live.Error();
    }
}
