using System.Globalization;
using System.Net;
using System.Text;

namespace SmarthostLab.Bench.Report;

/// <summary>
/// The report as one self-contained HTML file: the script's table (when given), the charts as SVG images inline
/// (data URIs: no file beside it, no CDN), and the figures of every series and case.
/// </summary>
public static class HtmlReport
{
    /// <summary>The HTML text.</summary>
    /// <param name="title">The page's title.</param>
    /// <param name="table">The script's own summary (Markdown text) shown as it is, or null.</param>
    /// <param name="figures">One per series and case.</param>
    /// <param name="charts">The charts, in order.</param>
    /// <param name="sources">The JSON reports read.</param>
    /// <param name="generatedAt">When the report was made.</param>
    public static string Write(string title, string? table, IReadOnlyList<RunFigures> figures, IReadOnlyList<Chart> charts, IReadOnlyList<string> sources, DateTimeOffset generatedAt)
    {
        ArgumentNullException.ThrowIfNull(figures);
        ArgumentNullException.ThrowIfNull(charts);
        ArgumentNullException.ThrowIfNull(sources);
        var c = CultureInfo.InvariantCulture;
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html>");
        html.AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.AppendLine(c, $"<title>{E(title)}</title>");
        html.AppendLine("""
            <style>
              body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 960px; color: #222; }
              pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 12px; }
              table { border-collapse: collapse; font-size: 13px; }
              th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
              th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) { text-align: left; }
              figure { margin: 1.5em 0; }
              figure img { max-width: 100%; border: 1px solid #eee; }
              .note { color: #666; font-size: 13px; }
            </style>
            </head><body>
            """);
        html.AppendLine(c, $"<h1>{E(title)}</h1>");
        html.AppendLine(c, $"<p class=\"note\">Made by <code>smarthostlab-bench report</code> at {generatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", c)} from {sources.Count} load report(s). Latency percentiles come from each run's HDR histogram (3 significant digits); with several rounds of a case, the figures are their medians.</p>");
        if (table is not null)
        {
            html.AppendLine("<h2>Summary</h2>");
            html.AppendLine(c, $"<pre>{E(table.TrimEnd())}</pre>");
        }
        html.AppendLine("<h2>Charts</h2>");
        foreach (var chart in charts)
        {
            var data = Convert.ToBase64String(Encoding.UTF8.GetBytes(chart.Svg));
            html.AppendLine(c, $"<figure id=\"{E(chart.Name)}\"><img alt=\"{E(chart.Title)}\" src=\"data:image/svg+xml;base64,{data}\"><figcaption class=\"note\">{E(chart.Title)}</figcaption></figure>");
        }
        html.AppendLine("<h2>Figures</h2>");
        html.AppendLine("<table><thead><tr><th>series</th><th>case</th><th>msg/s</th><th>end to end msg/s</th>");
        foreach (var p in RunFigures.PercentileNames) html.Append(c, $"<th>{E(p)} ms</th>");
        html.AppendLine("<th>latency from</th><th>accepted</th><th>refused</th><th>errors</th><th>late starts</th><th>runs</th></tr></thead><tbody>");
        foreach (var f in figures)
        {
            html.Append(c, $"<tr><td>{E(f.Series)}</td><td>{E(f.Case)}</td><td>{f.MessagesPerSecond:0.0}</td><td>{(f.DeliveredPerSecond is { } d ? d.ToString("0.0", c) : "-")}</td>");
            foreach (var v in f.Latency) html.Append(c, $"<td>{(v is { } ms ? ms.ToString("0.000", c) : "-")}</td>");
            html.AppendLine(c, $"<td>{E(f.LatencyFrom)}</td><td>{f.Accepted}</td><td>{f.Refused}</td><td>{f.Errors}</td><td>{(f.Late is { } late ? late.ToString(c) : "-")}</td><td>{f.Runs}</td></tr>");
        }
        html.AppendLine("</tbody></table>");
        html.AppendLine("<h2>Sources</h2><ul class=\"note\">");
        foreach (var source in sources) html.AppendLine(c, $"<li>{E(source)}</li>");
        html.AppendLine("</ul></body></html>");
        return html.ToString();
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
