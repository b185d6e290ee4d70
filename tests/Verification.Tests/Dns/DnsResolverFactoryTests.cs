using System.Net;
using SmarthostLab.Tests.Support;
using SmarthostLab.Verification.Dns;
using SmarthostLab.Verification.Spf;

namespace SmarthostLab.Verification.Tests.Dns;

public sealed class DnsResolverFactoryTests : IDisposable
{
    private readonly TempFolder directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task Zones_answer_first_and_offline_live_dns_gives_temperror_for_the_rest()
    {
        var path = Path.Combine(directory.Path, "lab.zone");
        await File.WriteAllTextAsync(path, """
            $ORIGIN contoso.test.
            @ 300 IN TXT "v=spf1 include:_spf.smarthost.test -all"
            $ORIGIN smarthost.test.
            _spf 300 IN TXT "v=spf1 ip4:198.51.100.25 -all"
            """);
        var options = new VerificationOptions { Zones = [path], Dns = new DnsOptions { Offline = true } };
        var dns = DnsResolverFactory.Create(options);
        var spf = new SpfEvaluator(dns);

        Assert.Equal(SpfResult.Pass, (await spf.CheckMailFromAsync(IPAddress.Parse("198.51.100.25"), "a@contoso.test", "smarthost.test")).Result);
        Assert.Equal(DnsStatus.NxDomain, (await dns.QueryAsync("nope.contoso.test", DnsRecordType.TXT)).Status);
        var outside = await spf.CheckMailFromAsync(IPAddress.Parse("198.51.100.25"), "a@example.com", "smarthost.test");
        Assert.Equal(SpfResult.TempError, outside.Result);
    }

    [Fact]
    public void A_bad_zone_file_names_file_and_line()
    {
        var path = Path.Combine(directory.Path, "bad.zone");
        File.WriteAllText(path, "$ORIGIN contoso.test.\n@ TXT \"ok\"\nmail A not-an-ip\n");
        var e = Assert.Throws<ZoneFileException>(() => DnsResolverFactory.Create(new VerificationOptions { Zones = [path] }));
        Assert.Equal($"{path}:3: bad A address 'not-an-ip'", e.Message);
    }

    [Fact]
    public void A_missing_zone_file_names_the_key()
    {
        var e = Assert.Throws<FileNotFoundException>(() => DnsResolverFactory.Create(new VerificationOptions { Zones = [Path.Combine(directory.Path, "none.zone")] }));
        Assert.Contains("Verification:Zones", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_zone_file_without_origin_answers_its_names_and_leaves_the_rest_to_live_dns()
    {
        var path = Path.Combine(directory.Path, "loose.zone");
        await File.WriteAllTextAsync(path, """
            contoso.test. 300 IN TXT "v=spf1 ip4:198.51.100.25 -all"
            """);
        var dns = DnsResolverFactory.Create(new VerificationOptions { Zones = [path], Dns = new DnsOptions { Offline = true } });
        var spf = new SpfEvaluator(dns);

        Assert.Equal(SpfResult.Pass, (await spf.CheckMailFromAsync(IPAddress.Parse("198.51.100.25"), "a@contoso.test", "smarthost.test")).Result);
        Assert.Equal(DnsStatus.ServerFailure, (await dns.QueryAsync("_dmarc.contoso.test", DnsRecordType.TXT)).Status);
    }

    [Fact]
    public async Task Each_zone_file_is_logged_with_its_records_names_and_apexes()
    {
        var lab = Path.Combine(directory.Path, "lab.zone");
        await File.WriteAllTextAsync(lab, """
            $ORIGIN contoso.test.
            @ SOA ns1 hostmaster 1 3600 600 86400 90
              TXT "v=spf1 -all"
            mail A 192.0.2.1
            $ORIGIN smarthost.test.
            _spf TXT "v=spf1 ip4:198.51.100.25 -all"
            """);
        var loose = Path.Combine(directory.Path, "loose.zone");
        await File.WriteAllTextAsync(loose, "contoso.example. TXT \"v=spf1 -all\"\n");
        var logs = new ListLoggerFactory();

        DnsResolverFactory.Create(new VerificationOptions { Zones = [lab, loose], Dns = new DnsOptions { Offline = true } }, logs);

        Assert.Equal(
        [
            $"Zone file {lab}: 3 records for 3 names; authoritative for contoso.test, smarthost.test",
            $"Zone file {loose}: 1 records for 1 names; authoritative for no apex (no $ORIGIN or SOA): only its own names, other names temperror (offline)",
        ], logs.Messages.Where(m => m.StartsWith("Zone file", StringComparison.Ordinal)));
    }
}
