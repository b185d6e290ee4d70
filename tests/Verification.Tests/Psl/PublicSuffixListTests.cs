using SmarthostLab.Tests.Support;
using SmarthostLab.Verification.Psl;
using SmarthostLab.Verification.Tests.Support;

namespace SmarthostLab.Verification.Tests.Psl;

public sealed class PublicSuffixListTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var line in File.ReadLines(TestData.Path("psl", "tests.txt")))
        {
            var trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith("//", StringComparison.Ordinal))
            {
                continue;
            }

            var parts = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            data.Add(parts[0], parts[1]);
        }

        return data;
    }

    [Fact]
    public void The_conformance_file_has_78_cases() => Assert.Equal(78, Cases().Count);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Registrable_domain_matches_the_publicsuffix_org_tests(string input, string expected)
    {
        var psl = PublicSuffixList.Embedded;
        var actual = psl.GetRegistrableDomain(input == "null" ? null : input);
        var want = expected == "null" ? null : ToAscii(expected);
        Assert.Equal(want, actual);
    }

    [Theory]
    [InlineData("a.b.example.co.uk", "co.uk")] // the longest rule wins over "uk"
    [InlineData("Example.COM.", "com")]
    [InlineData("a.b.c.kobe.jp", "c.kobe.jp")] // wildcard *.kobe.jp
    [InlineData("www.ck", "ck")] // exception !www.ck under *.ck
    [InlineData("x.y.ck", "y.ck")]
    [InlineData("host.unlisted", "unlisted")] // the default rule "*"
    [InlineData(".com", null)]
    [InlineData("a..com", null)]
    [InlineData("", null)]
    public void Public_suffix_follows_the_list_algorithm(string domain, string? expected) =>
        Assert.Equal(expected, PublicSuffixList.Embedded.GetPublicSuffix(domain));

    [Fact]
    public void Embedded_list_has_all_rules() => Assert.True(PublicSuffixList.Embedded.RuleCount > 10_000);

    [Theory]
    [InlineData("mail.contoso.test", "contoso.test")]
    [InlineData("contoso.test", "contoso.test")]
    [InlineData("a.b.example.co.uk", "example.co.uk")]
    [InlineData("co.uk", "co.uk")]
    [InlineData("com", "com")]
    [InlineData("Mail.Example.COM.", "example.com")]
    public void Organizational_domain_is_suffix_plus_one_label_or_the_name_itself(string domain, string expected) =>
        Assert.Equal(expected, PublicSuffixList.Embedded.GetOrganizationalDomain(domain));

    [Fact]
    public void Loads_from_a_file_path()
    {
        using var folder = new TempFolder();
        var path = System.IO.Path.Combine(folder.Path, "list.dat");
        File.WriteAllText(path, "// test\ntest\n*.wild.test\n!keep.wild.test\n");
        var psl = PublicSuffixList.LoadFile(path);
        Assert.Equal("a.test", psl.GetOrganizationalDomain("x.a.test"));
        Assert.Equal("x.y.wild.test", psl.GetOrganizationalDomain("w.x.y.wild.test"));
        Assert.Equal("keep.wild.test", psl.GetOrganizationalDomain("a.keep.wild.test"));
    }

    private static string ToAscii(string s) => new System.Globalization.IdnMapping().GetAscii(s.ToLowerInvariant());
}
