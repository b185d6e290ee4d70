using System.Text;
using SmarthostLab.Probe.Connectors;

namespace SmarthostLab.Probe.Tests.Connectors;

public sealed class ConnectorEncodingTests
{
    private static string GoodJson()
    {
        var bytes = File.ReadAllBytes(TestPaths.Sample("exchange2016-good.json"));
        return TextDecoder.Decode(bytes, out _);
    }

    public static TheoryData<string, string> Encodings => new()
    {
        { "utf-16le-bom", "utf-16le (BOM)" },
        { "utf-16le", "utf-16le" },
        { "utf-16be-bom", "utf-16be (BOM)" },
        { "utf-8-bom", "utf-8 (BOM)" },
        { "utf-8", "utf-8" },
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Every_encoding_PowerShell_writes_reads_the_same(string encoding, string detected)
    {
        var text = GoodJson();
        byte[] bytes = encoding switch
        {
            "utf-16le-bom" => [0xFF, 0xFE, .. Encoding.Unicode.GetBytes(text)],
            "utf-16le" => Encoding.Unicode.GetBytes(text),
            "utf-16be-bom" => [0xFE, 0xFF, .. Encoding.BigEndianUnicode.GetBytes(text)],
            "utf-8-bom" => [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)],
            _ => Encoding.UTF8.GetBytes(text),
        };

        var result = ConnectorFileReader.ReadBytes(bytes);

        Assert.Equal(detected, result.Encoding);
        Assert.Equal("Smarthost", result.Settings.Name);
        Assert.Equal(["smarthost.test"], result.Settings.SmartHosts);
        Assert.Equal(["EX01", "EX02"], result.Settings.SourceServers);
        Assert.Equal(SmartHostAuth.None, result.Settings.SmartHostAuth);
    }

    [Fact]
    public void Ldif_written_by_ldifde_in_ansi_reads_as_latin1()
    {
        var ldif = "dn: CN=Über,CN=Connectors,DC=contoso,DC=test\r\nobjectClass: msExchRoutingSMTPConnector\r\ncn: Über\r\nroutingList: SMTP:*;1\r\nmsExchSmtpSmartHost: smarthost.test\r\n";

        var result = ConnectorFileReader.ReadBytes(Encoding.Latin1.GetBytes(ldif));

        Assert.Equal("latin-1", result.Encoding);
        Assert.Equal("Über", result.Settings.Name);
    }

    [Fact]
    public void Unrecognized_text_cannot_run()
    {
        var ex = Assert.Throws<ProbeException>(() => ConnectorFileReader.ReadBytes(Encoding.UTF8.GetBytes("hello world")));
        Assert.Contains("unrecognized export", ex.Message, StringComparison.Ordinal);
    }
}
