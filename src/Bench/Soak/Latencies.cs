namespace SmarthostLab.Bench.Soak;

/// <summary>p50, p99 and max of a set of latencies, in milliseconds (nearest rank); zeros when empty.</summary>
public readonly record struct LatencySummary(int Count, double P50, double P99, double Max)
{
    /// <summary>"p50 / p99 / max" in milliseconds, or "-" when empty.</summary>
    public override string ToString() => Count == 0 ? "-" : FormattableString.Invariant($"{P50:F1} / {P99:F1} / {Max:F1}");
}

/// <summary>Latencies recorded from many tasks at once.</summary>
internal sealed class Latencies
{
    private readonly List<double> _milliseconds = [];

    /// <summary>Records one latency.</summary>
    public void Add(TimeSpan latency)
    {
        lock (_milliseconds) _milliseconds.Add(latency.TotalMilliseconds);
    }

    /// <summary>The summary of what was recorded so far.</summary>
    public LatencySummary Summarize()
    {
        double[] sorted;
        lock (_milliseconds) sorted = [.. _milliseconds];
        if (sorted.Length == 0) return default;
        Array.Sort(sorted);
        return new LatencySummary(sorted.Length, Rank(sorted, 0.50), Rank(sorted, 0.99), sorted[^1]);
    }

    private static double Rank(double[] sorted, double quantile) =>
        sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];
}
