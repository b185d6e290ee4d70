using System.Text.Json;
using SmarthostLab.Contracts;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Probe.Tests.EndToEnd;

/// <summary>
/// The connector lint and the relay agree on SMTP AUTH (issue 14): the lint reads authRequired, authMechanisms and
/// authRequiresTls from a real relay's /api/v1/info and judges the connector's smart-host authentication by them.
/// </summary>
public sealed class AuthLintTests
{
    private static readonly string[] Credential = ["--Accounts:0:Credentials:0:User=exchange", "--Accounts:0:Credentials:0:Password=plain:pw"];

    [Theory]
    [InlineData("Auth", false, "None", false, "fail", "smart-host authentication is None but the relay requires AUTH")]
    [InlineData("IpAndAuth", false, "None", true, "fail", "smart-host authentication is None but the relay requires AUTH")]
    [InlineData("Auth", false, "BasicAuthRequireTLS", true, "pass", "Basic authentication over TLS, as the relay requires AUTH")]
    [InlineData("IpOrAuth", false, "BasicAuthRequireTLS", true, "pass", "Basic authentication over TLS: the relay offers AUTH")]
    [InlineData("IpOrAuth", false, "None", false, "pass", "smart-host authentication None")]
    [InlineData("Ip", false, "BasicAuthRequireTLS", true, "fail", "Basic authentication, but the relay offers no AUTH")]
    [InlineData("Auth", false, "BasicAuth", false, "warn", "this relay takes AUTH only after STARTTLS")]
    [InlineData("Auth", true, "BasicAuth", false, "fail", "Basic authentication without TLS: the password crosses the network in clear text")]
    public async Task The_lint_judges_smart_host_authentication_by_what_the_relay_reports(
        string mode, bool authWithoutTls, string mechanism, bool requireTls, string severity, string message)
    {
        using var data = new TempFolder();
        await using var relay = await LabRelayFixture.StartAsync(data.Path,
            [.. Credential, "--Admission:Mode=" + mode, "--Smtp:AllowAuthWithoutTls=" + (authWithoutTls ? "true" : "false")]);
        var connector = Path.Combine(data.Path, "connector.json");
        await File.WriteAllTextAsync(connector, $$"""
            {"Name":"To smarthost","Enabled":true,"AddressSpaces":["SMTP:*;1"],"SmartHosts":["smarthost.test"],"DNSRoutingEnabled":false,
             "SmartHostAuthMechanism":"{{mechanism}}","RequireTLS":{{(requireTls ? "true" : "false")}},"SourceTransportServers":["EX01"]}
            """);

        var run = await ProbeRun.RunAsync("connector", "lint", "--file", connector, "--relay", relay.HttpBaseAddress.ToString().TrimEnd('/'), "--json");

        Assert.Equal(severity, run.Severity("smart-host-auth"));
        Assert.Contains(message, run.Message("smart-host-auth"), StringComparison.Ordinal);
        Assert.Equal(severity == "fail" ? 1 : 0, run.ExitCode);
    }

    [Fact]
    public void The_probe_reads_the_relays_AUTH_fields()
    {
        var info = new InfoResponse("1", "smarthost.test", [], null, new LimitsResponse(1, 1, 1, 1, 1, 1, 1), [], null, true, ["PLAIN", "LOGIN"], false);
        var read = JsonSerializer.Deserialize(JsonSerializer.Serialize(info, ApiJson.Context.InfoResponse), ApiJson.Context.InfoResponse)!;
        Assert.Equal((true, false), (read.AuthRequired, read.AuthRequiresTls));
        Assert.Equal(["PLAIN", "LOGIN"], read.AuthMechanisms);

        var message = new MessageResponse("01JD", "contoso", "127.0.0.3", null, null, "", "AUTH=<>", [], 1, DateTime.UnixEpoch, null, null, null, false, null, [], null, "exchange");
        var stored = JsonSerializer.Deserialize(JsonSerializer.Serialize(message, ApiJson.Context.MessageResponse), ApiJson.Context.MessageResponse)!;
        Assert.Equal("exchange", stored.AuthenticatedUser);
    }
}
