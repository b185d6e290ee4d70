using SmarthostLab.Bench.Load;

namespace SmarthostLab.Bench.Soak;

/// <summary>p50, p99 and max of a set of latencies, in milliseconds; zeros when empty.</summary>
public readonly record struct LatencySummary(int Count, double P50, double P99, double Max)
{
    /// <summary>"p50 / p99 / max" in milliseconds, or "-" when empty.</summary>
    public override string ToString() => Count == 0 ? "-" : FormattableString.Invariant($"{P50:F1} / {P99:F1} / {Max:F1}");
}

/// <summary>Latencies recorded from many tasks at once, in an HDR histogram (bounded memory however long the soak).</summary>
internal sealed class Latencies
{
    private readonly LatencyHistogram _histogram = new();

    /// <summary>Records one latency.</summary>
    public void Add(TimeSpan latency) => _histogram.Record(latency);

    /// <summary>The summary of what was recorded so far.</summary>
    public LatencySummary Summarize()
    {
        var p = _histogram.Percentiles();
        return p.Count == 0 ? default : new LatencySummary((int)Math.Min(int.MaxValue, p.Count), p.P50, p.P99, p.Max);
    }
}
