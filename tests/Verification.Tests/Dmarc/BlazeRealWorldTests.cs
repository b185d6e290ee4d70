using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using MimeKit;
using SmarthostLab.Verification.Psl;
using SmarthostLab.Verification.Tests.Dns;
using SmarthostLab.Verification.Tests.Support;
using Xunit.Abstractions;

namespace SmarthostLab.Verification.Tests.Dmarc;

/// <summary>
/// Real messages with frozen TXT answers from dinosaure/blaze (data/dmarc/blaze-realworld): SPF for
/// the client IP of the receiving Received line, DKIM and DMARC as blaze's tests expect them.
/// </summary>
public sealed partial class BlazeRealWorldTests(ITestOutputHelper output)
{
    public static TheoryData<string, string, string, SpfResult, DkimResult[], DmarcResult> Cases() => new()
    {
        { "001.mail", "192.254.112.98", "o3.sgmail.github.com", SpfResult.Pass, [DkimResult.Pass, DkimResult.Pass], DmarcResult.Pass },
        { "002.mail", "192.30.252.192", "out-1.smtp.github.com", SpfResult.Pass, [DkimResult.Pass], DmarcResult.Pass },
        { "003.mail", "38.105.200.233", "mxout4.mail.janestreet.com", SpfResult.Fail, [DkimResult.Pass], DmarcResult.Pass },
        // blaze's dkim.t reports 004's signature invalid without saying why; mx.google.com's own
        // Authentication-Results in the message says dkim=pass, and so do we (DMARC passes either way).
        { "004.mail", "216.218.240.121", "mx-out-01b.sjc2.discourse.org", SpfResult.Pass, [DkimResult.Pass], DmarcResult.Pass },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Real_world_message_gives_blaze_expected_results(string file, string ip, string helo, SpfResult spf, DkimResult[] dkim, DmarcResult dmarc)
    {
        var dns = new InMemoryDnsResolver();
        foreach (var path in Directory.GetFiles(TestData.Path("dmarc", "blaze-realworld", "cache"), "*.dns"))
        {
            var name = Path.GetFileName(path)[..^".dns".Length];
            foreach (var line in File.ReadAllLines(path).Where(l => l.StartsWith("txt:", StringComparison.Ordinal)))
            {
                dns.AddTxt(name, line["txt:".Length..]);
            }
        }

        var message = TestData.ToCrlf(TestData.Bytes("dmarc", "blaze-realworld", file));
        var text = Encoding.ASCII.GetString(message);
        var mailFrom = MailFrom().Match(text).Groups[1].Value;
        var date = MimeMessage.Load(new MemoryStream(message)).Date;
        var verifier = new MessageVerifier(dns, new VerificationOptions { AuthServId = "mx.example.com" }, PublicSuffixList.Embedded, new FixedTime(date.ToUnixTimeSeconds()));

        var result = await verifier.VerifyAsync(IPAddress.Parse(ip), helo, mailFrom, message);

        output.WriteLine(result.AuthenticationResults);
        Assert.Equal(spf, result.Spf.Result);
        Assert.Equal(dkim, result.Dkim.Select(d => d.Result).ToArray());
        Assert.Equal(dmarc, result.Dmarc.Result);
    }

    [GeneratedRegex(@"smtp\.mailfrom=([^;\s]+)")]
    private static partial Regex MailFrom();
}
