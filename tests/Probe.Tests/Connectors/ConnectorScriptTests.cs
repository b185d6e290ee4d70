namespace SmarthostLab.Probe.Tests.Connectors;

public sealed class ConnectorScriptTests
{
    [Fact]
    public async Task Prints_the_exact_New_SendConnector_command()
    {
        var run = await ProbeRun.RunAsync("connector", "script", "--smarthost", "smarthost.test", "--name", "Smarthost", "--source-server", "EX01");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(
            "New-SendConnector -Name \"Smarthost\" -Usage Custom -AddressSpaces \"SMTP:*;1\" -IsScopedConnector $false -DNSRoutingEnabled $false -SmartHosts \"smarthost.test\" -SmartHostAuthMechanism None -SourceTransportServers \"EX01\"\n",
            run.Out.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Several_servers_a_port_and_PowerShell_escaping()
    {
        var run = await ProbeRun.RunAsync("connector", "script", "--smarthost", "smarthost.test", "--name", "Out \"via\" $provider", "--source-server", "EX01", "--source-server", "EX02", "--port", "587");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(
            "New-SendConnector -Name \"Out `\"via`\" `$provider\" -Usage Custom -AddressSpaces \"SMTP:*;1\" -IsScopedConnector $false -DNSRoutingEnabled $false -SmartHosts \"smarthost.test\" -SmartHostAuthMechanism None -SourceTransportServers \"EX01\",\"EX02\" -Port 587",
            run.Out.TrimEnd());
    }

    [Fact]
    public async Task Port_25_is_the_default_and_is_left_out()
    {
        var run = await ProbeRun.RunAsync("connector", "script", "--smarthost", "h", "--name", "n", "--source-server", "s", "--port", "25");

        Assert.DoesNotContain("-Port", run.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--name", "n", "--source-server", "s")]
    [InlineData("--smarthost", "h", "--source-server", "s")]
    [InlineData("--smarthost", "h", "--name", "n")]
    public async Task Missing_required_options_cannot_run(params string[] args)
    {
        var run = await ProbeRun.RunAsync(["connector", "script", .. args]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("required", run.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Bad_port_cannot_run()
    {
        var run = await ProbeRun.RunAsync("connector", "script", "--smarthost", "h", "--name", "n", "--source-server", "s", "--port", "70000");

        Assert.Equal(2, run.ExitCode);
    }
}
