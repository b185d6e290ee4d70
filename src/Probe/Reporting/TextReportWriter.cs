namespace SmarthostLab.Probe.Reporting;

/// <summary>Writes a report for people: one line per finding, its fix indented below.</summary>
public static class TextReportWriter
{
    /// <summary>Writes <paramref name="report"/> to <paramref name="output"/>.</summary>
    public static void Write(ProbeReport report, TextWriter output)
    {
        output.WriteLine($"{report.Command}: {report.Subject}");
        foreach (var (key, value) in report.Facts)
        {
            output.WriteLine($"  {key}: {value}");
        }

        foreach (var finding in report.Findings)
        {
            output.WriteLine($"[{Label(finding.Severity)}] {finding.Check}: {finding.Message}");
            if (finding.Fix is not null)
            {
                output.WriteLine($"       fix: {finding.Fix}");
            }
        }

        var fails = report.Findings.Count(f => f.Severity == Severity.Fail);
        var warns = report.Findings.Count(f => f.Severity == Severity.Warn);
        output.WriteLine(report.Failed
            ? $"result: FAIL ({fails} failed, {warns} warning(s))"
            : $"result: PASS ({warns} warning(s))");
    }

    private static string Label(Severity severity) => severity switch
    {
        Severity.Pass => "pass",
        Severity.Info => "info",
        Severity.Warn => "warn",
        _ => "FAIL",
    };
}
