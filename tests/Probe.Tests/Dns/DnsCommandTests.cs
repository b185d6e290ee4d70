namespace SmarthostLab.Probe.Tests.Dns;

public sealed class DnsCommandTests
{
    private static Task<ProbeRun> Dns(string domain, string zone, params string[] extra)
        => ProbeRun.RunAsync(["dns", "--domain", domain, "--selector", "s1", "--egress", "198.51.100.25", "--zone", TestPaths.Data(zone), "--json", .. extra]);

    [Fact]
    public async Task A_domain_set_up_as_the_guides_say_passes()
    {
        var run = await Dns("contoso.test", "contoso-good.zone");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("pass", run.Severity("spf-record"));
        Assert.Equal("pass", run.Severity("spf-lookups"));
        Assert.Equal("pass", run.Severity("spf-egress"));
        Assert.Equal("pass", run.Severity("dkim"));
        Assert.Contains("2048 bits", run.Message("dkim"), StringComparison.Ordinal);
        Assert.Equal("pass", run.Severity("dmarc"));
        Assert.Contains("p=reject: receivers should reject mail from contoso.test", run.Message("dmarc"), StringComparison.Ordinal);
        Assert.Contains("subdomains: treat as suspicious", run.Message("dmarc"), StringComparison.Ordinal);
        Assert.Equal("info", run.Severity("adsp"));
    }

    [Fact]
    public async Task Two_SPF_records_fail()
    {
        var run = await Dns("twospf.test", "two-spf.zone");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("fail", run.Severity("spf-record"));
        Assert.Contains("more than one SPF record", run.Message("spf-record"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_DKIM_key_and_missing_DMARC_fail()
    {
        var run = await Dns("nodkim.test", "missing-dkim-dmarc.zone");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("pass", run.Severity("spf-egress"));
        Assert.Equal("fail", run.Severity("dkim"));
        Assert.Contains("DKIM selector record missing", run.Message("dkim"), StringComparison.Ordinal);
        Assert.Equal("fail", run.Severity("dmarc"));
        Assert.Contains("no DMARC record", run.Message("dmarc"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_DKIM_key_record_fails()
    {
        var run = await ProbeRun.RunAsync("dns", "--domain", "nodkim.test", "--selector", "other", "--zone", TestPaths.Data("missing-dkim-dmarc.zone"), "--json");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("fail", run.Severity("dkim"));
        Assert.Contains("invalid", run.Message("dkim"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task More_than_ten_lookups_fail()
    {
        var run = await Dns("lookups.test", "many-lookups.zone");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("fail", run.Severity("spf-lookups"));
        Assert.Contains("11 DNS lookups", run.Message("spf-lookups"), StringComparison.Ordinal);
        Assert.Contains("50%", run.Message("dmarc"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Egress_not_authorized_fails_with_the_fix()
    {
        var run = await Dns("noegress.test", "egress-missing.zone");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("fail", run.Severity("spf-egress"));
        Assert.Contains("does not include the smarthost", run.Message("spf-egress"), StringComparison.Ordinal);
        var fix = run.Json().GetProperty("findings").EnumerateArray().First(f => f.GetProperty("check").GetString() == "spf-egress").GetProperty("fix").GetString();
        Assert.Contains("ip4:198.51.100.25", fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_egress_addresses_the_SPF_authorization_is_only_noted()
    {
        var run = await ProbeRun.RunAsync("dns", "--domain", "contoso.test", "--zone", TestPaths.Data("contoso-good.zone"), "--json");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("info", run.Severity("spf-egress"));
        Assert.Equal("info", run.Severity("dkim"));
    }

    [Fact]
    public async Task Several_egress_addresses_are_each_checked()
    {
        var run = await ProbeRun.RunAsync("dns", "--domain", "contoso.test", "--egress", "198.51.100.25", "--egress", "203.0.113.99", "--zone", TestPaths.Data("contoso-good.zone"), "--json");

        Assert.Equal(1, run.ExitCode);
        var egress = run.Findings().Where(f => f.Check == "spf-egress").Select(f => f.Severity).ToList();
        Assert.Equal(["pass", "fail"], egress);
    }

    [Fact]
    public async Task Missing_zone_file_or_bad_egress_cannot_run()
    {
        Assert.Equal(2, (await ProbeRun.RunAsync("dns", "--domain", "contoso.test", "--zone", TestPaths.Data("nope.zone"))).ExitCode);
        Assert.Equal(2, (await ProbeRun.RunAsync("dns", "--domain", "contoso.test", "--egress", "not-an-ip", "--zone", TestPaths.Data("contoso-good.zone"))).ExitCode);
    }
}
