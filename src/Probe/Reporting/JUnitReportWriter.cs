using System.Globalization;
using System.Xml.Linq;

namespace SmarthostLab.Probe.Reporting;

/// <summary>
/// Writes a report as JUnit XML so CI systems show each check as a test case: one
/// <c>testcase</c> per finding, a <c>failure</c> element for fails, <c>properties</c> for details,
/// and the message (and fix) of warnings in <c>system-out</c>.
/// </summary>
public static class JUnitReportWriter
{
    /// <summary>Builds the XML document for <paramref name="report"/>.</summary>
    public static XDocument Build(ProbeReport report)
    {
        var className = "smarthostlab.probe." + report.Command.Replace(' ', '.');
        var suite = new XElement("testsuite",
            new XAttribute("name", $"smarthostlab-probe {report.Command}"),
            new XAttribute("tests", report.Findings.Count),
            new XAttribute("failures", report.Findings.Count(f => f.Severity == Severity.Fail)),
            new XAttribute("errors", 0),
            new XAttribute("skipped", 0),
            new XAttribute("timestamp", report.StartedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture)));

        if (report.Facts.Count > 0)
        {
            suite.Add(new XElement("properties", report.Facts.Select(f => Property(f.Key, f.Value))));
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var finding in report.Findings)
        {
            var name = finding.Check;
            seen[name] = seen.TryGetValue(name, out var n) ? n + 1 : 1;
            if (seen[name] > 1)
            {
                name = $"{name} #{seen[name]}";
            }

            var testCase = new XElement("testcase",
                new XAttribute("classname", className),
                new XAttribute("name", name),
                new XAttribute("time", "0"));

            var properties = new List<XElement> { Property("severity", finding.Severity.ToString().ToLowerInvariant()) };
            if (finding.Details is not null)
            {
                properties.AddRange(finding.Details.Select(d => Property(d.Key, d.Value)));
            }

            testCase.Add(new XElement("properties", properties));
            var text = finding.Fix is null ? finding.Message : $"{finding.Message}\nfix: {finding.Fix}";
            if (finding.Severity == Severity.Fail)
            {
                testCase.Add(new XElement("failure", new XAttribute("message", finding.Message), new XAttribute("type", finding.Check), text));
            }
            else
            {
                testCase.Add(new XElement("system-out", $"{finding.Severity.ToString().ToLowerInvariant()}: {text}"));
            }

            suite.Add(testCase);
        }

        return new XDocument(new XDeclaration("1.0", "utf-8", null), new XElement("testsuites", suite));
    }

    /// <summary>Writes the JUnit XML for <paramref name="report"/> to <paramref name="path"/>.</summary>
    public static void WriteFile(ProbeReport report, string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        Build(report).Save(path);
    }

    /// <summary>Writes a JUnit file with one errored test case: the probe could not run (exit code 2).</summary>
    public static void WriteCouldNotRun(string command, string message, string path)
    {
        var suite = new XElement("testsuite",
            new XAttribute("name", $"smarthostlab-probe {command}"),
            new XAttribute("tests", 1),
            new XAttribute("failures", 0),
            new XAttribute("errors", 1),
            new XElement("testcase",
                new XAttribute("classname", "smarthostlab.probe." + command.Replace(' ', '.')),
                new XAttribute("name", "run"),
                new XElement("error", new XAttribute("message", message), new XAttribute("type", "could-not-run"), message)));
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        new XDocument(new XDeclaration("1.0", "utf-8", null), new XElement("testsuites", suite)).Save(path);
    }

    private static XElement Property(string name, string value)
        => new("property", new XAttribute("name", name), new XAttribute("value", value));
}
