using System.Net;
using System.Text;
using SmarthostLab.Verification.Dkim;
using SmarthostLab.Verification.Dns;
using SmarthostLab.Verification.Psl;

namespace SmarthostLab.Verification.Tests;

/// <summary>samples/lab.zone and samples/keys must give the quick start a full pass.</summary>
public sealed class LabZoneTests
{
    // Copied into the test output by the csproj (from the repository's samples/ folder).
    private static string Sample(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "samples", .. parts]);

    private static byte[] Message() => Encoding.ASCII.GetBytes(
        "From: Alice <alice@contoso.test>\r\nTo: bob@example.com\r\nSubject: lab\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n" +
        "Message-ID: <lab-1@contoso.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello from the lab.\r\n");

    // The zone goes through the product's loader (the relay's --zone), with live DNS off.
    private static MessageVerifier Verifier()
    {
        var options = new VerificationOptions
        {
            EgressAddresses = ["198.51.100.25"],
            AuthServId = "smarthost.test",
            Zones = [Sample("lab.zone")],
            Dns = { Offline = true },
        };
        return new(DnsResolverFactory.Create(options), options, PublicSuffixList.Embedded);
    }

    [Fact]
    public async Task Message_signed_with_the_sample_key_from_the_egress_passes_spf_dkim_and_dmarc()
    {
        var key = DkimSigningKey.LoadPem(Sample("keys", "contoso.test.s1.pem"), "contoso.test", "s1");
        var signed = new DkimMessageSigner(key).SignAndPrepend(Message());

        var result = await Verifier().VerifyAsync(IPAddress.Parse("192.0.2.10"), "mail.contoso.test", "alice@contoso.test", signed);

        Assert.Equal(SpfResult.Pass, result.Spf.Result);
        Assert.Equal(SpfResult.Pass, result.SpfClient.Result);
        Assert.Equal(DkimResult.Pass, Assert.Single(result.Dkim).Result);
        Assert.Equal(DmarcResult.Pass, result.Dmarc.Result);
        Assert.Equal("reject", result.Dmarc.Policy);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.2")]
    public async Task Loopback_lab_clients_pass_client_spf(string ip)
    {
        var result = await Verifier().VerifyAsync(IPAddress.Parse(ip), "localhost", "alice@contoso.test", Message());

        Assert.Equal(SpfResult.Pass, result.SpfClient.Result);
    }

    [Fact]
    public void The_published_key_matches_the_private_key()
    {
        var key = DkimSigningKey.LoadPem(Sample("keys", "contoso.test.s1.pem"), "contoso.test", "s1");
        var zone = File.ReadAllText(Sample("lab.zone"));
        var p = key.PublicKeyRecord[(key.PublicKeyRecord.IndexOf("p=", StringComparison.Ordinal) + 2)..];
        var published = string.Concat(zone.Split('"').Where((_, i) => i % 2 == 1)).Replace(" ", "", StringComparison.Ordinal);

        Assert.Contains(p, published, StringComparison.Ordinal);
    }
}
