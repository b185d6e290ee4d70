using System.Text;
using System.Text.RegularExpressions;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Bench.Tests;

/// <summary><c>report</c>: load --json results in, one self-contained HTML file with the charts out.</summary>
public sealed partial class ReportCommandTests
{
    [Fact]
    public async Task Writes_one_html_file_with_a_throughput_chart_and_a_latency_chart_per_case_and_pngs_beside_it()
    {
        using var folder = new TempFolder();
        var files = new[]
        {
            Write(folder, "sink-1k-1.json", Report("sink", 1024, 1, 4200.5, 0.11, 0.2, 0.4, 0.9, 2.5)),
            Write(folder, "relay-1k-1.json", Report("relay", 1024, 1, 1500.2, 0.6, 0.9, 2.1, 8.0, 12.5)),
            Write(folder, "sink-1k-16.json", Report("sink", 1024, 16, 9100, 1.5, 2.2, 4.0, 6.5, 9.0)),
            Write(folder, "relay-1k-16-r1.json", Report("relay", 1024, 16, 3000, 4.0, 6.0, 10.0, 30.0, 40.0)),
            Write(folder, "relay-1k-16-r2.json", Report("relay", 1024, 16, 3400, 5.0, 7.0, 12.0, 32.0, 44.0)),
        };
        var table = Write(folder, "summary.md", "| size | conn | smtp-sink | relay |\n|---|---|---|---|\n| 1k | 1 | 4200 | 1500 |\n");
        var html = Path.Combine(folder.Path, "out", "report.html");

        var run = await BenchRun.RunAsync(["report", "--out", html, "--title", "Relay <vs> sink", "--table", table, "--png", .. files]);

        Assert.True(run.ExitCode == 0, run.Error);
        var text = await File.ReadAllTextAsync(html);
        Assert.StartsWith("<!DOCTYPE html>", text);
        Assert.Contains("<title>Relay &lt;vs&gt; sink</title>", text);
        Assert.Contains("| 1k | 1 | 4200 | 1500 |", text); // the script's table, as it is
        Assert.DoesNotContain("http://", text.Replace("http://www.w3.org", "", StringComparison.Ordinal)); // nothing fetched
        Assert.DoesNotContain("<script", text);

        // The charts: throughput, then latency for each of the two cases, each an SVG image inside the file.
        var images = SvgImage().Matches(text).Select(m => Encoding.UTF8.GetString(Convert.FromBase64String(m.Groups["data"].Value))).ToList();
        Assert.Equal(3, images.Count);
        Assert.All(images, svg => Assert.Contains("<svg", svg));
        Assert.Contains("id=\"throughput\"", text);
        Assert.Contains("Latency, 1k x 1 conn (end of data to final reply)", text);
        Assert.Contains("Latency, 1k x 16 conn (end of data to final reply)", text);
        Assert.All(images, svg => Assert.True(svg.Contains("relay", StringComparison.Ordinal) && svg.Contains("sink", StringComparison.Ordinal), "legend names the series"));

        // The figures table: two rounds of relay at 16 connections are shown as their median.
        Assert.Contains("<td>relay</td><td>1k x 16 conn</td><td>3200.0</td>", text);
        Assert.Contains("<td>4.500</td><td>6.500</td><td>11.000</td><td>31.000</td><td>42.000</td>", text);

        foreach (var name in new[] { "throughput", "latency-1", "latency-2" })
        {
            var png = await File.ReadAllBytesAsync(Path.Combine(folder.Path, "out", $"report-{name}.png"));
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        }
    }

    [Fact]
    public async Task An_input_that_is_not_a_load_report_exits_2_naming_the_file()
    {
        using var folder = new TempFolder();
        var bad = Write(folder, "soak.json", "{\"seed\": 5}");

        var run = await BenchRun.RunAsync("report", "--out", Path.Combine(folder.Path, "r.html"), bad);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith($"report: {bad}: not a load --json report", run.Error);
        Assert.False(File.Exists(Path.Combine(folder.Path, "r.html")));
    }

    private static string Write(TempFolder folder, string name, string text)
    {
        var path = Path.Combine(folder.Path, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>A load --json report as the bench writes it (the fields the report reads, and some it does not).</summary>
    private static string Report(string label, int octets, int connections, double rate, double p50, double p90, double p99, double p999, double max) =>
        FormattableString.Invariant($$"""
            {
              "label": "{{label}}", "target": "127.0.0.1:2525", "startRelay": false, "connections": {{connections}}, "messages": 1000,
              "messageOctets": {{octets}}, "mode": "data+pipelining", "elapsedSeconds": 1.5, "accepted": 1000, "messagesPerSecond": {{rate}},
              "latencyMs": { "p50": {{p50}}, "p90": {{p90}}, "p99": {{p99}}, "p999": {{p999}}, "max": {{max}}, "count": 1000 },
              "latencyFrom": "end-of-data", "refused": 0, "refusals": [], "errors": 0, "errorKinds": {}
            }
            """);

    [GeneratedRegex("src=\"data:image/svg\\+xml;base64,(?<data>[A-Za-z0-9+/=]+)\"")]
    private static partial Regex SvgImage();
}
