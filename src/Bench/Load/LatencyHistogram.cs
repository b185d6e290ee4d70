using System.Diagnostics;
using HdrHistogram;

namespace SmarthostLab.Bench.Load;

/// <summary>p50, p90, p99, p99.9 and max of recorded latencies, in milliseconds; zeros when nothing was recorded.</summary>
/// <param name="Count">Latencies recorded.</param>
/// <param name="P50">Median.</param>
/// <param name="P90">90th percentile.</param>
/// <param name="P99">99th percentile.</param>
/// <param name="P999">99.9th percentile.</param>
/// <param name="Max">Largest.</param>
public readonly record struct LatencyPercentiles(long Count, double P50, double P90, double P99, double P999, double Max);

/// <summary>
/// Latencies from many tasks at once in an HDR histogram (HdrHistogram's concurrent one): a fixed footprint (about
/// 170 KB) however long the run, recording without a lock, values kept to 3 significant digits (0.1 %).
/// Records microseconds from 1 µs to <see cref="Highest"/>; a longer latency counts as <see cref="Highest"/>.
/// </summary>
public sealed class LatencyHistogram
{
    /// <summary>The largest latency told apart: 10 minutes (longer than any bench run's grace).</summary>
    public static readonly TimeSpan Highest = TimeSpan.FromMinutes(10);

    private static readonly long HighestMicroseconds = (long)Highest.TotalMicroseconds;
    private readonly LongConcurrentHistogram _histogram = new(1, HighestMicroseconds, 3);

    /// <summary>Latencies recorded.</summary>
    public long Count => _histogram.TotalCount;

    /// <summary>Records one latency (negative ones count as 0).</summary>
    public void Record(TimeSpan latency) => RecordMicroseconds((long)latency.TotalMicroseconds);

    /// <summary>Records the time between two <see cref="Stopwatch"/> timestamps.</summary>
    public void RecordTicks(long stopwatchTicks) => RecordMicroseconds(stopwatchTicks * 1_000_000 / Stopwatch.Frequency);

    private void RecordMicroseconds(long microseconds) => _histogram.RecordValue(Math.Clamp(microseconds, 0, HighestMicroseconds));

    /// <summary>The percentiles of what was recorded so far.</summary>
    public LatencyPercentiles Percentiles()
    {
        var snapshot = _histogram.Copy();
        if (snapshot.TotalCount == 0) return default;
        return new LatencyPercentiles(snapshot.TotalCount, Ms(snapshot.GetValueAtPercentile(50)), Ms(snapshot.GetValueAtPercentile(90)),
            Ms(snapshot.GetValueAtPercentile(99)), Ms(snapshot.GetValueAtPercentile(99.9)), Ms(snapshot.GetMaxValue()));
    }

    // HDR reports a bucket's highest equivalent value; below 2048 µs every microsecond has its own bucket.
    private static double Ms(long microseconds) => microseconds / 1000.0;
}
