using System.Text;
using SmarthostLab.Probe.Connectors;

namespace SmarthostLab.Probe.Tests.Connectors;

public sealed class LdifTests
{
    [Fact]
    public void Base64_values_and_continuation_lines_are_decoded()
    {
        var smartHost = Convert.ToBase64String(Encoding.UTF8.GetBytes(" smarthost.test"));
        var ldif = "version: 1\r\n"
            + "# exported by ldifde\r\n"
            + "dn: CN=Smarthost,CN=Connectors,CN=First Routing Group,CN=Routing Groups,CN=Fi\r\n"
            + " rst Administrative Group,DC=contoso,DC=test\r\n"
            + "objectClass: top\r\n"
            + "objectClass: msExchRoutingSMTPConnector\r\n"
            + "cn:: " + Convert.ToBase64String(Encoding.UTF8.GetBytes("Smärthost")) + "\r\n"
            + "routingList: SMTP:*;1\r\n"
            + "msExchSmtpSmartHost:: " + smartHost + "\r\n"
            + "msExchSourceBridgeheadServersDN: CN=1,CN=SMTP,CN=Protocols,CN=EXCH2003,CN=Serv\r\n"
            + " ers,DC=contoso,DC=test\r\n"
            + "msExchSmtpOutboundSecurityFlag: 5\r\n\r\n";

        var entry = LdifParser.Parse(ldif).Single();
        var settings = SmtpConnectorLdifReader.Read(ldif, out _);

        Assert.Equal("CN=Smarthost,CN=Connectors,CN=First Routing Group,CN=Routing Groups,CN=First Administrative Group,DC=contoso,DC=test", entry.Dn);
        Assert.Equal("Smärthost", settings.Name);
        Assert.Equal(["smarthost.test"], settings.SmartHosts);
        Assert.Equal(["EXCH2003"], settings.SourceServers);
        Assert.Equal(SmartHostAuth.BasicAuthRequireTLS, settings.SmartHostAuth);
        Assert.True(settings.RequireTls);
        Assert.False(settings.DnsRoutingEnabled);
    }

    [Theory]
    [InlineData("0", SmartHostAuth.None, false)]
    [InlineData("1", SmartHostAuth.BasicAuth, false)]
    [InlineData("2", SmartHostAuth.IntegratedWindows, false)]
    [InlineData("4", SmartHostAuth.None, true)]
    [InlineData("5", SmartHostAuth.BasicAuthRequireTLS, true)]
    public void Outbound_security_flag_maps_to_auth_and_tls(string flag, SmartHostAuth auth, bool tls)
    {
        var ldif = $"dn: CN=S,DC=contoso,DC=test\nobjectClass: msExchRoutingSMTPConnector\nroutingList: SMTP:*;1\nmsExchSmtpOutboundSecurityFlag: {flag}\n";

        var settings = SmtpConnectorLdifReader.Read(ldif, out _);

        Assert.Equal(auth, settings.SmartHostAuth);
        Assert.Equal(tls, settings.RequireTls);
    }

    [Fact]
    public void Without_a_smart_host_the_2003_connector_routes_by_DNS()
    {
        var settings = SmtpConnectorLdifReader.Read("dn: CN=S,DC=t\nobjectClass: msExchRoutingSMTPConnector\nroutingList: SMTP:*;1\n", out _);

        Assert.True(settings.DnsRoutingEnabled);
        Assert.Equal(SmarthostLab.Probe.Reporting.Severity.Fail, ConnectorLinter.Lint(settings, new LintOptions()).Single(f => f.Check == "routing").Severity);
    }

    [Fact]
    public void Local_routing_list_entries_mean_a_scoped_connector()
    {
        var settings = SmtpConnectorLdifReader.Read("dn: CN=S,DC=t\nobjectClass: msExchRoutingSMTPConnector\nroutingList: Local:SMTP:*;1\nmsExchSmtpSmartHost: [198.51.100.25]\n", out _);

        Assert.True(settings.IsScoped);
        Assert.Equal(["[198.51.100.25]"], settings.SmartHosts);
        var smartHost = ConnectorLinter.Lint(settings, new LintOptions("198.51.100.25")).Single(f => f.Check == "smart-host");
        Assert.Equal(SmarthostLab.Probe.Reporting.Severity.Pass, smartHost.Severity);
    }

    [Fact]
    public void Ldif_without_an_SMTP_connector_cannot_run()
    {
        var ex = Assert.Throws<ProbeException>(() => SmtpConnectorLdifReader.Read("dn: CN=x,DC=t\nobjectClass: user\n", out _));
        Assert.Contains("msExchRoutingSMTPConnector", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Broken_base64_cannot_run()
    {
        Assert.Throws<ProbeException>(() => LdifParser.Parse("dn: CN=x\ncn:: ***\n"));
    }
}
