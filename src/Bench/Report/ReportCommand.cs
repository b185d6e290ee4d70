using System.CommandLine;
using SmarthostLab.Bench.Cli;

namespace SmarthostLab.Bench.Report;

/// <summary>
/// The <c>report</c> command: reads <c>load --json</c> reports and writes one self-contained HTML file with throughput
/// per case and latency percentiles as charts (and, with <c>--png</c>, each chart as a PNG beside it).
/// </summary>
public static class ReportCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(BenchConsole console)
    {
        var files = new Argument<FileInfo[]>("reports") { Description = "load --json reports; each one's \"label\" (load --label) is its series, else its file name.", Arity = ArgumentArity.OneOrMore }.AcceptExistingOnly();
        var output = new Option<FileInfo>("--out", "-o") { Description = "The HTML file to write.", HelpName = "FILE", Required = true };
        var title = new Option<string>("--title") { Description = "The report's title.", DefaultValueFactory = _ => "SmarthostLab bench report" };
        var table = new Option<FileInfo>("--table") { Description = "A text (Markdown) table to show first, e.g. a script's summary.md.", HelpName = "FILE" }.AcceptExistingOnly();
        var png = new Option<bool>("--png") { Description = "Also write each chart as a PNG beside the HTML file (NAME-throughput.png, NAME-latency-1.png, …)." };
        var command = new Command("report",
            "Write an HTML report (charts drawn with ScottPlot, embedded as SVG: one file, nothing fetched) of load --json results: " +
            "accepted messages/s per case and series, end to end messages/s when measured, and latency percentiles (p50, p90, p99, p99.9, max). " +
            "Several reports of the same series and case (rounds) are shown as their medians.\n" +
            "Exit codes: 0 written, 2 bad usage or an input that is not a load report.")
        {
            files, output, title, table, png,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var inputs = parse.GetRequiredValue(files);
            var runs = new List<RunFigures>();
            foreach (var file in inputs)
                runs.Add(RunFigures.Read(file.FullName, await File.ReadAllTextAsync(file.FullName, cancellationToken).ConfigureAwait(false)));
            var figures = RunFigures.Merge(runs);
            var charts = ReportCharts.Draw(figures);
            var tableText = parse.GetValue(table) is { } t ? await File.ReadAllTextAsync(t.FullName, cancellationToken).ConfigureAwait(false) : null;
            var html = HtmlReport.Write(parse.GetValue(title) ?? "SmarthostLab bench report", tableText, figures, charts, [.. inputs.Select(f => f.Name)], DateTimeOffset.UtcNow);
            var target = parse.GetRequiredValue(output);
            if (target.Directory is { } folder) folder.Create();
            await File.WriteAllTextAsync(target.FullName, html, cancellationToken).ConfigureAwait(false);
            await console.Out.WriteLineAsync($"report: {target.FullName} ({figures.Count} series x case, {charts.Count} charts)").ConfigureAwait(false);
            if (parse.GetValue(png))
            {
                var stem = Path.Combine(target.DirectoryName ?? ".", Path.GetFileNameWithoutExtension(target.Name));
                foreach (var chart in charts)
                {
                    var path = $"{stem}-{chart.Name}.png";
                    await File.WriteAllBytesAsync(path, chart.Png, cancellationToken).ConfigureAwait(false);
                    await console.Out.WriteLineAsync($"report: {path}").ConfigureAwait(false);
                }
            }
            return 0;
        });
        return command;
    }
}
