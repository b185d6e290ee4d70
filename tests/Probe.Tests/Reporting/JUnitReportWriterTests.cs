using System.Xml.Linq;
using SmarthostLab.Probe.Reporting;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Probe.Tests.Reporting;

public sealed class JUnitReportWriterTests
{
    [Fact]
    public void One_testcase_per_check_failures_for_fails_properties_for_details()
    {
        var report = new ProbeReport("send", "a -> b");
        report.Facts["token"] = "shl-1";
        report.Add(Finding.Pass("arrived", "arrived after 0.2 s", new Dictionary<string, string> { ["seconds"] = "0.2" }));
        report.Add(Finding.Warn("dkim", "not signed", "sign it"));
        report.Add(Finding.Fail("spf-egress", "SPF fail", "add ip4:198.51.100.25"));
        report.Add(Finding.Fail("spf-egress", "SPF fail again", "same"));

        var xml = JUnitReportWriter.Build(report);

        var suite = xml.Root!.Element("testsuite")!;
        Assert.Equal("4", suite.Attribute("tests")!.Value);
        Assert.Equal("2", suite.Attribute("failures")!.Value);
        var cases = suite.Elements("testcase").ToList();
        Assert.Equal(["arrived", "dkim", "spf-egress", "spf-egress #2"], cases.Select(c => c.Attribute("name")!.Value));
        Assert.Null(cases[0].Element("failure"));
        Assert.Equal("0.2", cases[0].Descendants("property").Single(p => p.Attribute("name")!.Value == "seconds").Attribute("value")!.Value);
        Assert.Contains("sign it", cases[1].Element("system-out")!.Value, StringComparison.Ordinal);
        Assert.Equal("SPF fail", cases[2].Element("failure")!.Attribute("message")!.Value);
        Assert.Contains("add ip4:198.51.100.25", cases[2].Element("failure")!.Value, StringComparison.Ordinal);
        Assert.Equal("shl-1", suite.Element("properties")!.Elements("property").Single().Attribute("value")!.Value);
    }

    [Fact]
    public void The_file_is_written_where_asked()
    {
        using var dir = new TempFolder();
        var path = Path.Combine(dir.Path, "sub", "probe.xml");
        var report = new ProbeReport("dns", "contoso.test");
        report.Add(Finding.Pass("spf-record", "ok"));

        JUnitReportWriter.WriteFile(report, path);

        Assert.Equal("testsuites", XDocument.Load(path).Root!.Name.LocalName);
    }
}
