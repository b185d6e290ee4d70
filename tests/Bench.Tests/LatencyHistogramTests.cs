using SmarthostLab.Bench.Load;

namespace SmarthostLab.Bench.Tests;

/// <summary>The load generator's latency percentiles come from an HDR histogram: 3 significant digits, a fixed footprint.</summary>
public sealed class LatencyHistogramTests
{
    [Fact]
    public void Percentiles_of_1_to_1000_milliseconds_are_their_nearest_ranks_within_a_tenth_of_a_percent()
    {
        var histogram = new LatencyHistogram();
        // Recorded out of order: the histogram does not care.
        foreach (var ms in Enumerable.Range(1, 1000).Reverse()) histogram.Record(TimeSpan.FromMilliseconds(ms));

        var p = histogram.Percentiles();

        Assert.Equal(1000, p.Count);
        AssertWithin(500, p.P50);
        AssertWithin(900, p.P90);
        AssertWithin(990, p.P99);
        AssertWithin(999, p.P999);
        AssertWithin(1000, p.Max);
    }

    [Fact]
    public void Below_two_milliseconds_every_microsecond_is_told_apart()
    {
        var histogram = new LatencyHistogram();
        foreach (var us in Enumerable.Range(1, 2000)) histogram.Record(TimeSpan.FromMicroseconds(us));

        var p = histogram.Percentiles();

        Assert.Equal((2000L, 1.0, 1.8, 1.98, 1.998, 2.0), (p.Count, p.P50, p.P90, p.P99, p.P999, p.Max));
    }

    [Fact]
    public void A_tail_of_one_slow_message_in_a_thousand_shows_at_p999_and_max_only()
    {
        var histogram = new LatencyHistogram();
        for (var i = 0; i < 998; i++) histogram.Record(TimeSpan.FromMilliseconds(1));
        histogram.Record(TimeSpan.FromMilliseconds(250));
        histogram.Record(TimeSpan.FromSeconds(3));

        var p = histogram.Percentiles();

        AssertWithin(1, p.P50);
        AssertWithin(1, p.P99);
        AssertWithin(250, p.P999);
        AssertWithin(3000, p.Max);
    }

    [Fact]
    public void Nothing_recorded_reads_as_zeros_and_a_latency_past_the_range_counts_as_its_top()
    {
        var histogram = new LatencyHistogram();
        Assert.Equal(default, histogram.Percentiles());

        histogram.Record(TimeSpan.FromHours(2));
        histogram.Record(TimeSpan.FromMilliseconds(-5));

        var p = histogram.Percentiles();
        Assert.Equal(2, p.Count);
        AssertWithin(LatencyHistogram.Highest.TotalMilliseconds, p.Max);
    }

    [Fact]
    public void Stopwatch_ticks_are_recorded_as_their_duration()
    {
        var histogram = new LatencyHistogram();
        histogram.RecordTicks(System.Diagnostics.Stopwatch.Frequency / 4); // 250 ms

        AssertWithin(250, histogram.Percentiles().Max);
    }

    /// <summary>HDR reports a value's bucket by its highest equivalent value: at most 1/1024 above it, never below.</summary>
    private static void AssertWithin(double expectedMs, double actualMs) =>
        Assert.True(actualMs >= expectedMs && actualMs <= expectedMs * 1.001, $"expected {expectedMs} ms (+0.1 %), got {actualMs} ms");
}
