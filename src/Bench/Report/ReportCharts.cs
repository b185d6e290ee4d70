using System.Globalization;
using ScottPlot;

namespace SmarthostLab.Bench.Report;

/// <summary>One chart of the report, as SVG (for the HTML) and PNG (for files beside it).</summary>
/// <param name="Name">File-name part, e.g. "throughput" or "latency-1".</param>
/// <param name="Title">What it shows.</param>
/// <param name="Svg">The chart as an SVG document.</param>
/// <param name="Png">The chart as PNG bytes.</param>
public sealed record Chart(string Name, string Title, string Svg, byte[] Png);

/// <summary>
/// Draws the report's charts with ScottPlot (SkiaSharp underneath, no display needed): throughput per case (a bar per
/// series in each case group), end to end throughput when measured, and one latency chart per case (a line per
/// series across p50, p90, p99, p99.9 and max, on a log scale).
/// </summary>
public static class ReportCharts
{
    private const int Width = 900;
    private const int Height = 420;

    /// <summary>The charts for <paramref name="figures"/> (one per series and case, see <see cref="RunFigures.Merge"/>).</summary>
    public static IReadOnlyList<Chart> Draw(IReadOnlyList<RunFigures> figures)
    {
        ArgumentNullException.ThrowIfNull(figures);
        var series = figures.Select(f => f.Series).Distinct().ToList();
        var cases = figures.Select(f => f.Case).Distinct().ToList();
        var charts = new List<Chart>
        {
            Bars("throughput", "Accepted messages per second", "msg/s", series, cases, figures, f => f.MessagesPerSecond),
        };
        if (figures.Any(f => f.DeliveredPerSecond is not null))
            charts.Add(Bars("end-to-end", "End to end: accepted and delivered onward, messages per second", "msg/s", series, cases, figures, f => f.DeliveredPerSecond));
        for (var i = 0; i < cases.Count; i++)
        {
            var inCase = figures.Where(f => f.Case == cases[i]).ToList();
            var from = inCase.Any(f => f.LatencyFrom == "due-time") ? "due time" : "end of data";
            charts.Add(Latency($"latency-{i + 1}", $"Latency, {cases[i]} ({from} to final reply)", inCase, series));
        }
        return charts;
    }

    private static Chart Bars(string name, string title, string unit, List<string> series, List<string> cases, IReadOnlyList<RunFigures> figures, Func<RunFigures, double?> value)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var width = 0.8 / series.Count;
        for (var s = 0; s < series.Count; s++)
        {
            var bars = new List<Bar>();
            for (var c = 0; c < cases.Count; c++)
            {
                var figure = figures.FirstOrDefault(f => f.Series == series[s] && f.Case == cases[c]);
                if (figure is null || value(figure) is not { } v) continue;
                bars.Add(new Bar
                {
                    Position = c - 0.4 + (width * (s + 0.5)),
                    Value = v,
                    Size = width * 0.9,
                    FillColor = palette.GetColor(s),
                    Label = v.ToString(v >= 100 ? "0" : "0.0", CultureInfo.InvariantCulture),
                });
            }
            var plotted = plot.Add.Bars(bars);
            plotted.LegendText = series[s];
            plotted.ValueLabelStyle.FontSize = 11;
        }
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, cases.Count).Select(c => (double)c)], [.. cases]);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Margins(bottom: 0, top: 0.15);
        plot.Title(title);
        plot.YLabel(unit);
        plot.ShowLegend(Alignment.UpperRight);
        return Render(plot, name, title);
    }

    private static Chart Latency(string name, string title, List<RunFigures> inCase, List<string> allSeries)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var logs = inCase.SelectMany(f => f.Latency).Where(v => v is > 0).Select(v => Math.Log10(v!.Value)).ToList();
        foreach (var figure in inCase)
        {
            var points = Enumerable.Range(0, RunFigures.PercentileNames.Count)
                .Where(i => figure.Latency[i] is > 0)
                .Select(i => (X: (double)i, Y: Math.Log10(figure.Latency[i]!.Value)))
                .ToList();
            if (points.Count == 0) continue;
            var line = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray());
            line.LegendText = figure.Series;
            line.Color = palette.GetColor(allSeries.IndexOf(figure.Series));
            line.LineWidth = 2;
            line.MarkerSize = 7;
        }
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, RunFigures.PercentileNames.Count).Select(i => (double)i)], [.. RunFigures.PercentileNames]);
        var ticks = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => Math.Pow(10, y).ToString("G4", CultureInfo.InvariantCulture),
        };
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.Margins(left: 0.05, right: 0.05, top: 0.15, bottom: 0.1);
        // Whole decades, so the log scale has a labelled tick below and above every line.
        if (logs.Count > 0) plot.Axes.SetLimitsY(Math.Floor(logs.Min()) - 0.05, Math.Max(Math.Ceiling(logs.Max()), Math.Floor(logs.Min()) + 1) + 0.15);
        plot.Title(title);
        plot.YLabel("ms (log scale)");
        plot.ShowLegend(Alignment.UpperLeft);
        return Render(plot, name, title);
    }

    private static Chart Render(Plot plot, string name, string title) =>
        new(name, title, plot.GetSvgXml(Width, Height), plot.GetImageBytes(Width, Height, ImageFormat.Png));
}
