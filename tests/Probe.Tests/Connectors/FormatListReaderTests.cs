using SmarthostLab.Probe.Connectors;

namespace SmarthostLab.Probe.Tests.Connectors;

public sealed class FormatListReaderTests
{
    [Fact]
    public void Wrapped_values_and_brace_lists_are_read()
    {
        const string text = """

            AddressSpaces                : {SMTP:*;1}
            DNSRoutingEnabled            : False
            Enabled                      : True
            Name                         : Smarthost
            SmartHostAuthMechanism       : None
            SmartHosts                   : {smarthost.test}
            SourceTransportServers       : {EX01, EX02, EX03, EX04, EX05, EX06, EX07, EX08, EX09, EX10, EX11, EX12,
                                           EX13}
            IsScopedConnector            : False

            """;

        var settings = FormatListReader.Read(text, out var count);

        Assert.Equal(1, count);
        Assert.Equal("Smarthost", settings.Name);
        Assert.Equal(13, settings.SourceServers.Count);
        Assert.Equal("EX13", settings.SourceServers[^1]);
        Assert.Equal(["smarthost.test"], settings.SmartHosts);
        Assert.False(settings.DnsRoutingEnabled);
        Assert.True(settings.AddressSpaces.Single().IsSmtpWildcard);
    }

    [Fact]
    public void Enum_numbers_work_in_Format_List_too()
    {
        const string text = "AddressSpaces : {SMTP:*;1}\nSmartHostAuthMechanism : 2\nRequireTLS : False\nName : S\n";

        var settings = FormatListReader.Read(text, out _);

        Assert.Equal(SmartHostAuth.BasicAuth, settings.SmartHostAuth);
        var auth = ConnectorLinter.Lint(settings, new LintOptions()).Single(f => f.Check == "smart-host-auth");
        Assert.Equal(SmarthostLab.Probe.Reporting.Severity.Fail, auth.Severity);
    }
}
