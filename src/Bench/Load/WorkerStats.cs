namespace SmarthostLab.Bench.Load;

/// <summary>What one load worker counted; owned by that worker alone and merged at the end of the run.</summary>
public sealed class WorkerStats
{
    /// <summary>Messages answered 250 at the end of data.</summary>
    public long Accepted { get; set; }

    /// <summary>Sessions opened.</summary>
    public long Sessions { get; set; }

    /// <summary>Latency of each accepted message, in <see cref="System.Diagnostics.Stopwatch"/> ticks.</summary>
    public List<long> LatencyTicks { get; } = new(1024);

    /// <summary>Refusals keyed "stage code" (e.g. "rcpt 550"), with the first reply text seen.</summary>
    public Dictionary<string, (long Count, string Text)> Refusals { get; } = [];

    /// <summary>Errors (connection failures, closed sessions, protocol violations) keyed by kind.</summary>
    public Dictionary<string, long> Errors { get; } = [];

    /// <summary>Counts one refusal.</summary>
    public void Refuse(string stage, int code, string text)
    {
        var key = $"{stage} {code}";
        Refusals[key] = Refusals.TryGetValue(key, out var v) ? (v.Count + 1, v.Text) : (1, text);
    }

    /// <summary>Counts one error.</summary>
    public void Error(string kind) => Errors[kind] = Errors.GetValueOrDefault(kind) + 1;
}
