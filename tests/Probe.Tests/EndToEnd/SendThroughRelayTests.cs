using System.Xml.Linq;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Probe.Tests.EndToEnd;

public sealed class SendThroughRelayTests(LabRelayFixture lab) : IClassFixture<LabRelayFixture>
{
    private string[] Send(string bind, params string[] extra) =>
    [
        "send", "--via", lab.Via, "--bind", bind, "--from", "alice@contoso.test", "--to", "bob@example.com",
        "--relay", lab.Url, "--timeout", "10", .. extra,
    ];

    [Fact]
    public async Task From_a_registered_server_the_message_arrives_and_every_check_is_reported()
    {
        var run = await ProbeRun.RunAsync(Send("127.0.0.2", "--json"));

        Assert.True(run.ExitCode == 0, run.Out + run.Error);
        Assert.Equal("pass", run.Severity("submission"));
        Assert.Equal("pass", run.Severity("arrived"));
        Assert.Equal("pass", run.Severity("client-ip"));
        Assert.Contains("127.0.0.2, a registered outbound server of account 'contoso'", run.Message("client-ip"), StringComparison.Ordinal);
        Assert.Equal("pass", run.Severity("tls"));
        // SPF egress passes via include:_spf.smarthost.test, the client IP is not in SPF (a note), the probe
        // message is unsigned (a warning), DMARC passes on aligned SPF, the relay accepts.
        Assert.Null(run.Severity("verdict"));
        Assert.Equal("pass", run.Severity("spf-egress"));
        Assert.Equal("info", run.Severity("spf-client"));
        Assert.Equal("warn", run.Severity("dkim"));
        Assert.Equal("pass", run.Severity("dmarc"));
        Assert.Contains("SPF aligned", run.Message("dmarc"), StringComparison.Ordinal);
        Assert.Equal("pass", run.Severity("action"));
        Assert.Equal("info", run.Severity("delivered"));
        Assert.Equal("the relay keeps messages (Delivery:Mode=Store); nothing was sent on", run.Message("delivered"));
        Assert.StartsWith("shl-", run.Json().GetProperty("facts").GetProperty("token").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task From_an_unregistered_address_the_refusal_is_named_and_the_exit_code_is_1()
    {
        var run = await ProbeRun.RunAsync(Send("127.0.0.3", "--json"));

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("fail", run.Severity("submission"));
        Assert.Equal("fail", run.Severity("arrived"));
        Assert.Contains("the relay refused 127.0.0.3: not a registered outbound server", run.Message("arrived"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Text_report_and_JUnit_file()
    {
        using var folder = new TempFolder();
        var junit = Path.Combine(folder.Path, "probe.xml");

        var run = await ProbeRun.RunAsync(Send("127.0.0.3", "--junit", junit));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("[FAIL] arrived: the message did not arrive: the relay refused 127.0.0.3", run.Out, StringComparison.Ordinal);
        var suite = XDocument.Load(junit).Root!.Element("testsuite")!;
        Assert.Contains(suite.Elements("testcase"), c => c.Attribute("name")!.Value == "arrived" && c.Element("failure") is not null);
    }

    [Fact]
    public async Task Without_TLS_to_the_relay_the_report_warns_but_passes()
    {
        var run = await ProbeRun.RunAsync(Send("127.0.0.2", "--no-tls", "--json"));

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("warn", run.Severity("tls"));
    }

    [Fact]
    public async Task An_unreachable_MTA_cannot_run()
    {
        var run = await ProbeRun.RunAsync("send", "--via", $"127.0.0.1:{TestPaths.ClosedPort()}", "--from", "alice@contoso.test", "--to", "bob@example.com", "--relay", lab.Url, "--timeout", "5");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("unreachable", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_relay_cannot_run_and_JUnit_says_so()
    {
        using var folder = new TempFolder();
        var junit = Path.Combine(folder.Path, "probe.xml");

        var run = await ProbeRun.RunAsync("send", "--via", lab.Via, "--from", "alice@contoso.test", "--to", "bob@example.com", "--relay", $"http://127.0.0.1:{TestPaths.ClosedPort()}", "--timeout", "5", "--junit", junit);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("relay is unreachable", run.Error, StringComparison.Ordinal);
        var error = XDocument.Load(junit).Descendants("error").Single();
        Assert.Contains("relay is unreachable", error.Attribute("message")!.Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Required_STARTTLS_to_the_relay_works()
    {
        var run = await ProbeRun.RunAsync(Send("127.0.0.2", "--starttls", "--json"));

        Assert.True(run.ExitCode == 0, run.Out + run.Error);
        Assert.Equal("pass", run.Severity("tls"));
        var submission = run.Json().GetProperty("findings").EnumerateArray().First(f => f.GetProperty("check").GetString() == "submission");
        Assert.StartsWith("Tls", submission.GetProperty("details").GetProperty("probeTls").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lint_takes_the_expected_smarthost_from_the_relay()
    {
        var run = await ProbeRun.RunAsync("connector", "lint", "--file", TestPaths.Sample("exchange2016-good.json"), "--relay", lab.Url, "--json");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("smarthost.test", run.Json().GetProperty("facts").GetProperty("expectedSmartHost").GetString());
        Assert.Equal("pass", run.Severity("smart-host"));
    }

    [Fact]
    public async Task Dns_takes_the_egress_addresses_from_the_relay()
    {
        var run = await ProbeRun.RunAsync("dns", "--domain", "contoso.test", "--relay", lab.Url, "--zone", TestPaths.Data("contoso-good.zone"), "--json");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("pass", run.Severity("spf-egress"));
        Assert.Contains("198.51.100.25", run.Message("spf-egress"), StringComparison.Ordinal);
    }
}
