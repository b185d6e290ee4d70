namespace SmarthostLab.Probe.Tests.Connectors;

public sealed class ConnectorSampleLintTests
{
    [Theory]
    [InlineData("exchange2016-good.json", "utf-16le (BOM)", "json")]
    [InlineData("exchange2016-good.txt", "utf-8 (BOM)", "format-list")]
    [InlineData("exchange2003-good.ldf", "utf-8", "ldif")]
    public async Task Good_samples_pass_with_exit_code_0(string sample, string encoding, string format)
    {
        var run = await ProbeRun.RunAsync("connector", "lint", "--file", TestPaths.Sample(sample), "--smarthost", "smarthost.test", "--json");

        Assert.Equal(0, run.ExitCode);
        var json = run.Json();
        Assert.Equal("pass", json.GetProperty("result").GetString());
        Assert.Equal(encoding, json.GetProperty("facts").GetProperty("encoding").GetString());
        Assert.Equal(format, json.GetProperty("facts").GetProperty("format").GetString());
        Assert.Equal("pass", run.Severity("address-space"));
        Assert.Equal("pass", run.Severity("routing"));
        Assert.Equal("pass", run.Severity("smart-host"));
        Assert.Equal("pass", run.Severity("smart-host-auth"));
        Assert.Equal("pass", run.Severity("source-servers"));
        Assert.DoesNotContain(run.Findings(), f => f.Severity == "fail");
    }

    [Fact]
    public async Task Broken_2016_sample_fails_every_setting_it_gets_wrong()
    {
        var run = await ProbeRun.RunAsync("connector", "lint", "--file", TestPaths.Sample("exchange2016-broken.json"), "--smarthost", "smarthost.test", "--json");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("fail", run.Severity("enabled"));
        Assert.Equal("fail", run.Severity("address-space"));
        Assert.Contains("cost 10", run.Message("address-space"), StringComparison.Ordinal);
        Assert.Equal("warn", run.Severity("scope"));
        Assert.Equal("fail", run.Severity("routing"));
        Assert.Contains("DNS routing is on", run.Message("routing"), StringComparison.Ordinal);
        Assert.Equal("fail", run.Severity("smart-host-auth"));
        Assert.Contains("Basic authentication without TLS", run.Message("smart-host-auth"), StringComparison.Ordinal);
        Assert.Equal("fail", run.Severity("source-servers"));
    }

    [Fact]
    public async Task Broken_2003_sample_fails_routing_auth_cost_and_bridgeheads()
    {
        var run = await ProbeRun.RunAsync("connector", "lint", "--file", TestPaths.Sample("exchange2003-broken.ldf"), "--smarthost", "smarthost.test", "--json");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("fail", run.Severity("address-space"));
        Assert.Equal("warn", run.Severity("scope"));
        Assert.Equal("fail", run.Severity("routing"));
        Assert.Equal("fail", run.Severity("smart-host-auth"));
        Assert.Equal("fail", run.Severity("source-servers"));
        Assert.Equal("info", run.Severity("relay-domains"));
    }

    [Fact]
    public async Task Good_sample_fails_when_it_names_another_smarthost()
    {
        var run = await ProbeRun.RunAsync("connector", "lint", "--file", TestPaths.Sample("exchange2016-good.json"), "--smarthost", "relay.other.test", "--json");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("fail", run.Severity("smart-host"));
        Assert.Contains("relay.other.test", run.Message("smart-host"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_an_expected_smarthost_the_name_is_noted_not_checked()
    {
        var run = await ProbeRun.RunAsync("connector", "lint", "--file", TestPaths.Sample("exchange2016-good.json"), "--json");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("info", run.Severity("smart-host"));
    }

    [Fact]
    public async Task Text_output_names_each_finding_and_its_fix()
    {
        var run = await ProbeRun.RunAsync("connector", "lint", "--file", TestPaths.Sample("exchange2016-broken.json"), "--smarthost", "smarthost.test");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("[FAIL] routing: DNS routing is on", run.Out, StringComparison.Ordinal);
        Assert.Contains("fix: Set-SendConnector \"Internet (old)\" -DNSRoutingEnabled $false -SmartHosts \"smarthost.test\"", run.Out, StringComparison.Ordinal);
        Assert.Contains("result: FAIL", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_file_cannot_run()
    {
        var run = await ProbeRun.RunAsync("connector", "lint", "--file", TestPaths.Sample("does-not-exist.json"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("cannot read", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_relay_cannot_run()
    {
        var run = await ProbeRun.RunAsync("connector", "lint", "--file", TestPaths.Sample("exchange2016-good.json"), "--relay", $"http://127.0.0.1:{TestPaths.ClosedPort()}");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("unreachable", run.Error, StringComparison.Ordinal);
    }
}
