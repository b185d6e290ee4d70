using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using SmarthostLab.Verification.Dkim;
using SmarthostLab.Verification.Tests.Dns;
using SmarthostLab.Verification.Tests.Support;

namespace SmarthostLab.Verification.Tests.Dkim;

/// <summary>Third-party DKIM vectors (data/dkim, see its README.md) that must verify.</summary>
public sealed partial class DkimConformanceTests
{
    [Fact]
    public async Task Rfc8463_appendix_a_both_signatures_pass()
    {
        var dns = new InMemoryDnsResolver();
        using var json = JsonDocument.Parse(TestData.Text("dkim", "rfc8463-appendix-a", "dns.json"));
        foreach (var name in json.RootElement.EnumerateObject())
        {
            foreach (var record in name.Value.GetProperty("TXT").EnumerateArray())
            {
                dns.AddTxt(name.Name, record.EnumerateArray().Select(s => s.GetString()!).ToArray());
            }
        }

        var verdicts = await new DkimSignatureVerifier(dns, new FixedTime(1528637909)).VerifyAsync(TestData.Bytes("dkim", "rfc8463-appendix-a", "signed.eml"));

        Assert.Equal(2, verdicts.Count);
        Assert.All(verdicts, v => Assert.Equal(DkimResult.Pass, v.Result));
        Assert.Equal(["ed25519-sha256", "rsa-sha256"], verdicts.Select(v => v.Algorithm!));
        Assert.Equal(["brisbane", "test"], verdicts.Select(v => v.Selector!));
        Assert.All(verdicts, v => Assert.Equal("football.example.com", v.Domain));
    }

    [Theory]
    [InlineData("gmail.msg")]
    [InlineData("related.msg")]
    [InlineData("multipart-no-end-boundary.msg")]
    public async Task MimeKit_gmail_messages_pass(string file)
    {
        var message = TestData.Bytes("dkim", "mimekit", file);
        var pem = TestData.Text("dkim", "mimekit", "gmail.pub");
        var p = string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)).Select(l => l.Trim()));
        var dns = new InMemoryDnsResolver();
        foreach (var (d, s) in SignatureNames(Encoding.ASCII.GetString(message)))
        {
            dns.AddTxt($"{s}._domainkey.{d}", "k=rsa; p=" + p);
        }

        var verdicts = await new DkimSignatureVerifier(dns).VerifyAsync(message);

        Assert.NotEmpty(verdicts);
        Assert.All(verdicts, v => Assert.True(v.Result == DkimResult.Pass, $"{file}: {v}"));
    }

    [Theory]
    [InlineData("001.txt")]
    [InlineData("002.txt")]
    [InlineData("003.txt")]
    [InlineData("004.txt")]
    [InlineData("005.txt")]
    [InlineData("006.txt")]
    public async Task Stalwart_vectors_pass_at_their_clock_time(string file)
    {
        var (dns, message) = LoadStalwart(file);

        var verdicts = await new DkimSignatureVerifier(dns, new FixedTime(1667843664)).VerifyAsync(message);

        Assert.NotEmpty(verdicts);
        Assert.All(verdicts, v => Assert.True(v.Result == DkimResult.Pass, $"{file}: {v}"));
    }

    [Fact]
    public async Task Stalwart_005_is_expired_a_year_later()
    {
        var (dns, message) = LoadStalwart("005.txt");

        var verdicts = await new DkimSignatureVerifier(dns, new FixedTime(1667843664 + 365 * 86400)).VerifyAsync(message);

        Assert.Contains(verdicts, v => v.Result == DkimResult.PermError && v.Reason == "signature expired");
    }

    [Fact]
    public async Task Dkimpy_draft_rfc8463_simple_simple_example_passes()
    {
        var dns = new InMemoryDnsResolver()
            .AddTxt("brisbane._domainkey.football.example.com", "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
            .AddTxt("test._domainkey.football.example.com", TestData.Text("dkim", "dkimpy", "test.txt").Trim());

        var verdicts = await new DkimSignatureVerifier(dns, new FixedTime(1518460054)).VerifyAsync(TestData.ToCrlf(TestData.Bytes("dkim", "dkimpy", "rfc6376.signed.msg")));

        Assert.NotEmpty(verdicts);
        Assert.All(verdicts, v => Assert.True(v.Result == DkimResult.Pass, v.ToString()));
    }

    [Fact]
    public async Task An_ed25519_key_off_the_curve_is_permerror_and_the_other_signature_still_passes()
    {
        // Found by fuzzing (fuzz/regressions/dkim): the key record parser threw, and the whole verification with it.
        var dns = new InMemoryDnsResolver()
            .AddTxt("brisbane._domainkey.football.example.com", "v=DKIM1; k=ed25519; p=sPs0VVu29FpHT/80UXUcYHFOHifD4o2ZlP2+XUh9g6E=")
            .AddTxt("test._domainkey.football.example.com", TestData.Text("dkim", "dkimpy", "test.txt").Trim());

        var verdicts = await new DkimSignatureVerifier(dns, new FixedTime(1518460054)).VerifyAsync(TestData.ToCrlf(TestData.Bytes("dkim", "dkimpy", "rfc6376.signed.msg")));

        var ed25519 = Assert.Single(verdicts, v => v.Algorithm == "ed25519-sha256");
        Assert.Equal(DkimResult.PermError, ed25519.Result);
        Assert.Equal("bad key record at brisbane._domainkey.football.example.com: p= is not a valid Ed25519 public key", ed25519.Reason);
        Assert.Equal(DkimResult.Pass, Assert.Single(verdicts, v => v.Algorithm == "rsa-sha256").Result);
    }

    internal static (InMemoryDnsResolver Dns, byte[] Message) LoadStalwart(string file)
    {
        var text = TestData.Text("dkim", "stalwart-mail-auth", file);
        var split = text.IndexOf("\n\n", StringComparison.Ordinal);
        var dns = new InMemoryDnsResolver();
        foreach (var line in text[..split].Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            dns.AddTxt(line[..space], line[(space + 1)..]);
        }

        return (dns, TestData.ToCrlf(Encoding.UTF8.GetBytes(text[(split + 2)..])));
    }

    private static IEnumerable<(string Domain, string Selector)> SignatureNames(string message)
    {
        foreach (Match m in DkimHeader().Matches(message))
        {
            var value = m.Value;
            var d = Regex.Match(value, @"\bd=([^;\s]+)").Groups[1].Value;
            var s = Regex.Match(value, @"\bs=([^;\s]+)").Groups[1].Value;
            yield return (d, s);
        }
    }

    [GeneratedRegex(@"^DKIM-Signature:(.*\r?\n[ \t].*)*", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex DkimHeader();
}
