using System.Net;
using SmarthostLab.Tests.Support;
using SmarthostLab.Verification.Dns;

namespace SmarthostLab.Verification.Tests.Dns;

public sealed class ZoneFileTests
{
    private const string Lab = """
        $TTL 300
        $ORIGIN contoso.test.
        @   IN  SOA ns1 hostmaster ( 2026010101 ; serial
                    3600 600 86400
                    120 )  ; minimum
            IN  NS  ns1
            IN  MX  10 mail
            IN  TXT "v=spf1 include:_spf.smarthost.test -all"
        mail 60 IN A 192.0.2.10
        mail IN 60 AAAA 2001:db8::10
        www     CNAME mail
        s1._domainkey TXT ( "v=DKIM1; k=rsa; "
                            "p=MIIBIjAN" )
        esc TXT "say \"hi\"" "back\\slash" "caf\233"
        $ORIGIN smarthost.test.
        _spf    TXT "v=spf1 ip4:198.51.100.0/24 -all"
        mx1.other.test. A 203.0.113.5
        """;

    private static ZoneFile Parse(string text) => ZoneFile.Parse(text, "lab.zone");

    [Fact]
    public void Every_origin_is_an_apex_and_the_soa_minimum_is_its_negative_ttl()
    {
        var zone = Parse(Lab);
        Assert.Equal(TimeSpan.FromSeconds(120), zone.Apexes["contoso.test"]);
        Assert.Equal(ZoneFile.DefaultNegativeTtl, zone.Apexes["smarthost.test"]);
    }

    [Fact]
    public void Relative_names_blank_owners_and_at_resolve_against_the_current_origin()
    {
        var zone = Parse(Lab);
        var mx = Assert.Single(zone.Records, r => r.Type == DnsRecordType.MX);
        Assert.Equal("contoso.test", mx.Name);
        Assert.Equal("mail.contoso.test", mx.Host);
        Assert.Equal(10, mx.Preference);
        Assert.Single(zone.Records, r => r.Type == DnsRecordType.TXT && r.Name == "contoso.test");
        Assert.Single(zone.Records, r => r.Name == "_spf.smarthost.test");
        Assert.Single(zone.Records, r => r.Name == "mx1.other.test");
        Assert.Equal("mail.contoso.test", Assert.Single(zone.Records, r => r.Type == DnsRecordType.CNAME).Host);
    }

    [Fact]
    public void Ttl_and_class_may_come_in_either_order_and_default_to_ttl_directive()
    {
        var zone = Parse(Lab);
        Assert.Equal(TimeSpan.FromSeconds(60), zone.Records.Single(r => r.Type == DnsRecordType.A && r.Name == "mail.contoso.test").Ttl);
        Assert.Equal(TimeSpan.FromSeconds(60), zone.Records.Single(r => r.Type == DnsRecordType.AAAA).Ttl);
        Assert.Equal(IPAddress.Parse("2001:db8::10"), zone.Records.Single(r => r.Type == DnsRecordType.AAAA).Address);
        Assert.Equal(TimeSpan.FromSeconds(300), zone.Records.Single(r => r.Type == DnsRecordType.MX).Ttl);
    }

    [Fact]
    public void Parentheses_join_lines_and_keep_each_character_string()
    {
        var dkim = Parse(Lab).Records.Single(r => r.Name == "s1._domainkey.contoso.test");
        Assert.Equal(["v=DKIM1; k=rsa; ", "p=MIIBIjAN"], dkim.TextStrings);
        Assert.Equal("v=DKIM1; k=rsa; p=MIIBIjAN", dkim.Text);
    }

    [Fact]
    public void Quoted_strings_decode_quote_backslash_and_decimal_escapes_to_raw_octets()
    {
        var txt = Parse(Lab).Records.Single(r => r.Name == "esc.contoso.test");
        Assert.Equal(["say \"hi\"", "back\\slash", "caf\u00e9"], txt.TextStrings);
    }

    [Fact]
    public void Names_are_lower_cased()
    {
        var zone = Parse("$ORIGIN Example.COM.\nWWW A 192.0.2.1\n");
        Assert.Equal("www.example.com", zone.Records[0].Name);
        Assert.True(zone.Apexes.ContainsKey("example.com"));
    }

    [Theory]
    [InlineData("$ORIGIN a.test.\nfoo A 300.1.1.1\n", 2, "bad A address")]
    [InlineData("$ORIGIN a.test.\n\nfoo TXT \"open\n", 3, "unterminated quoted string")]
    [InlineData("$ORIGIN a.test.\nfoo ( A\n 192.0.2.1\n", 2, "'(' without ')'")]
    [InlineData("foo A 192.0.2.1\n", 1, "relative name 'foo' with no $ORIGIN")]
    [InlineData("$ORIGIN a.test.\n  A 192.0.2.1\n", 2, "x")]
    [InlineData("$ORIGIN a.test.\nfoo WKS 1\n", 2, "unsupported record type 'WKS'")]
    [InlineData("$ORIGIN a.test.\nfoo MX mail\n", 2, "MX record takes 2 value(s), found 1")]
    [InlineData("$ORIGIN a.test.\nfoo TXT \"\\999\"\n", 2, "not an octet")]
    [InlineData("$ORIGIN a.test.\n$INCLUDE other.zone\n", 2, "unsupported directive $INCLUDE")]
    [InlineData("$ORIGIN a.test\n", 1, "$ORIGIN needs one absolute name")]
    public void Bad_input_is_reported_with_file_and_line(string text, int line, string problem)
    {
        if (problem == "x")
        {
            // A blank owner with no previous owner.
            problem = "blank owner";
        }

        var e = Assert.Throws<ZoneFileException>(() => ZoneFile.Parse(text, "bad.zone"));
        Assert.Equal(line, e.Line);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        Assert.StartsWith($"bad.zone:{line}: ", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("300", 300)]
    [InlineData("1h", 3600)]
    [InlineData("1h30m", 5400)]
    [InlineData("1w1d", 691200)]
    public void Ttls_accept_seconds_and_units(string text, int seconds)
    {
        Assert.True(ZoneFile.TryParseTtl(text, out var ttl));
        Assert.Equal(TimeSpan.FromSeconds(seconds), ttl);
    }

    [Fact]
    public void The_sample_lab_zone_parses()
    {
        var samples = Directory.GetFiles(Path.Combine(RepositoryFiles.Root(), "samples"), "*.zone", SearchOption.AllDirectories);
        Assert.NotEmpty(samples);
        foreach (var file in samples)
        {
            var zone = ZoneFile.Load(file);
            Assert.NotEmpty(zone.Records);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3600)]
    public void A_ttl_past_2_to_the_31_seconds_in_units_is_the_files_error(int repeats)
    {
        // Found while fuzzing the zone reader (fuzz/regressions/zone): summed unchecked, 3,600 "4294967295w" wrapped
        // past long.MaxValue and TimeSpan.FromSeconds threw ArgumentOutOfRangeException out of Parse.
        var text = "$TTL " + string.Concat(Enumerable.Repeat("4294967295w", repeats)) + "\nexample.test. A 192.0.2.1\n";
        var e = Assert.Throws<ZoneFileException>(() => ZoneFile.Parse(text, "big.zone"));
        Assert.Equal("big.zone:1: $TTL needs one TTL value", e.Message);
    }
}
