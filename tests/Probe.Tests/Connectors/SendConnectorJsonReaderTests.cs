using SmarthostLab.Probe.Connectors;

namespace SmarthostLab.Probe.Tests.Connectors;

public sealed class SendConnectorJsonReaderTests
{
    [Theory]
    [InlineData("0", SmartHostAuth.None)]
    [InlineData("\"None\"", SmartHostAuth.None)]
    [InlineData("2", SmartHostAuth.BasicAuth)]
    [InlineData("\"BasicAuth\"", SmartHostAuth.BasicAuth)]
    [InlineData("4", SmartHostAuth.BasicAuthRequireTLS)]
    [InlineData("\"BasicAuthRequireTLS\"", SmartHostAuth.BasicAuthRequireTLS)]
    [InlineData("8", SmartHostAuth.ExchangeServer)]
    [InlineData("16", SmartHostAuth.ExternalAuthoritative)]
    [InlineData("\"ExternalAuthoritative\"", SmartHostAuth.ExternalAuthoritative)]
    public void SmartHostAuthMechanism_reads_as_number_or_name(string value, SmartHostAuth expected)
    {
        var settings = Read($$"""{"Name":"S","AddressSpaces":["SMTP:*;1"],"SmartHostAuthMechanism":{{value}}}""");
        Assert.Equal(expected, settings.SmartHostAuth);
    }

    [Theory]
    [InlineData("1", "EncryptionOnly")]
    [InlineData("\"CertificateValidation\"", "CertificateValidation")]
    [InlineData("4", "DomainValidation")]
    [InlineData("null", null)]
    public void TlsAuthLevel_reads_as_number_or_name(string value, string? expected)
    {
        var settings = Read($$"""{"Name":"S","AddressSpaces":["SMTP:*;1"],"TlsAuthLevel":{{value}}}""");
        Assert.Equal(expected, settings.TlsAuthLevel);
    }

    [Fact]
    public void AddressSpaces_as_strings_and_as_objects_read_the_same()
    {
        var strings = Read("""{"AddressSpaces":["SMTP:*;1","Local:SMTP:*.contoso.test;5","X400:c=US;a= ;p=Contoso;3"]}""");
        var objects = Read("""
            {"AddressSpaces":[
              {"Address":"*","Type":"smtp","Cost":1,"IsLocal":false},
              {"Address":"*.contoso.test","Type":"SMTP","Cost":5,"IsLocal":true},
              {"Address":"c=US;a= ;p=Contoso","Type":"X400","Cost":3}]}
            """);

        Assert.Equal(3, strings.AddressSpaces.Count);
        Assert.True(strings.AddressSpaces[0].IsSmtpWildcard);
        Assert.True(objects.AddressSpaces[0].IsSmtpWildcard);
        Assert.Equal(strings.AddressSpaces.Select(a => (a.Type.ToUpperInvariant(), a.Address, a.Cost, a.IsLocal)),
            objects.AddressSpaces.Select(a => (a.Type.ToUpperInvariant(), a.Address, a.Cost, a.IsLocal)));
    }

    [Fact]
    public void SmartHosts_as_objects_strings_or_only_SmartHostsString()
    {
        var objects = Read("""{"AddressSpaces":["SMTP:*;1"],"SmartHosts":[{"Domain":{"HostnameString":"smarthost.test"},"IsIPAddress":false},{"Address":"198.51.100.7","IsIPAddress":true}]}""");
        var strings = Read("""{"AddressSpaces":["SMTP:*;1"],"SmartHosts":["smarthost.test","[198.51.100.7]"]}""");
        var fallback = Read("""{"AddressSpaces":["SMTP:*;1"],"SmartHostsString":"smarthost.test,[198.51.100.7]"}""");

        Assert.Equal(["smarthost.test", "[198.51.100.7]"], objects.SmartHosts);
        Assert.Equal(objects.SmartHosts, strings.SmartHosts);
        Assert.Equal(objects.SmartHosts, fallback.SmartHosts);
    }

    [Fact]
    public void Booleans_as_json_booleans_or_strings()
    {
        var a = Read("""{"AddressSpaces":["SMTP:*;1"],"DNSRoutingEnabled":false,"Enabled":true,"IsScopedConnector":false,"RequireTLS":true}""");
        var b = Read("""{"AddressSpaces":["SMTP:*;1"],"DNSRoutingEnabled":"False","Enabled":"True","IsScopedConnector":"False","RequireTLS":"True"}""");

        Assert.Equal((false, true, false, true), (a.DnsRoutingEnabled, a.Enabled, a.IsScoped, a.RequireTls));
        Assert.Equal((a.DnsRoutingEnabled, a.Enabled, a.IsScoped, a.RequireTls), (b.DnsRoutingEnabled, b.Enabled, b.IsScoped, b.RequireTls));
    }

    [Fact]
    public void An_array_of_connectors_takes_the_wildcard_one()
    {
        var settings = SendConnectorJsonReader.Read("""[{"Name":"Partner","AddressSpaces":["SMTP:fabrikam.test;1"]},{"Name":"Internet","AddressSpaces":["SMTP:*;1"]}]""", out var count);

        Assert.Equal(2, count);
        Assert.Equal("Internet", settings.Name);
    }

    [Fact]
    public void Json_that_is_not_a_send_connector_cannot_run()
    {
        Assert.Throws<ProbeException>(() => Read("""{"Name":"a mailbox"}"""));
        Assert.Throws<ProbeException>(() => Read("""{"AddressSpaces": [ }"""));
    }

    [Fact]
    public void BasicAuthRequireTLS_passes_only_when_the_relay_requires_auth()
    {
        var settings = Read("""{"Name":"S","AddressSpaces":["SMTP:*;1"],"SmartHosts":["smarthost.test"],"DNSRoutingEnabled":false,"SmartHostAuthMechanism":"BasicAuthRequireTLS","SourceTransportServers":["EX01"]}""");

        var admittedByIp = ConnectorLinter.Lint(settings, new LintOptions("smarthost.test"));
        var authRequired = ConnectorLinter.Lint(settings, new LintOptions("smarthost.test", RelayRequiresAuth: true));

        Assert.Equal(SmarthostLab.Probe.Reporting.Severity.Warn, admittedByIp.Single(f => f.Check == "smart-host-auth").Severity);
        Assert.Equal(SmarthostLab.Probe.Reporting.Severity.Pass, authRequired.Single(f => f.Check == "smart-host-auth").Severity);
    }

    [Fact]
    public void None_fails_when_the_relay_requires_auth()
    {
        var settings = Read("""{"Name":"S","AddressSpaces":["SMTP:*;1"],"SmartHosts":["smarthost.test"],"SmartHostAuthMechanism":0}""");

        var findings = ConnectorLinter.Lint(settings, new LintOptions("smarthost.test", RelayRequiresAuth: true));

        Assert.Equal(SmarthostLab.Probe.Reporting.Severity.Fail, findings.Single(f => f.Check == "smart-host-auth").Severity);
    }

    private static ConnectorSettings Read(string json) => SendConnectorJsonReader.Read(json, out _);
}
