using SmarthostLab.Verification.Dns;

namespace SmarthostLab.Verification.Tests.Dns;

public sealed class ZoneResolverTests
{
    private static readonly ZoneResolver Zone = ZoneResolver.FromText("""
        $TTL 300
        $ORIGIN contoso.test.
        @ SOA ns1 hostmaster 1 3600 600 86400 90
          TXT "v=spf1 -all"
          A 192.0.2.1
        www CNAME @
        out CNAME mail.elsewhere.example.
        loop1 CNAME loop2
        loop2 CNAME loop1
        a.b.deep A 192.0.2.7
        $ORIGIN fabrikam.test.
        @ MX 10 mail
        mail A 192.0.2.9
        """, "test.zone");

    [Fact]
    public async Task A_name_with_the_asked_type_answers_its_records()
    {
        var answer = await Zone.QueryAsync("contoso.test", DnsRecordType.TXT);
        Assert.Equal(DnsStatus.NoError, answer.Status);
        Assert.Equal("v=spf1 -all", Assert.Single(answer.Records).Text);
        Assert.Equal(TimeSpan.FromSeconds(300), answer.Records[0].Ttl);
    }

    [Fact]
    public async Task A_missing_name_under_a_held_apex_is_nxdomain_with_the_soa_negative_ttl()
    {
        var answer = await Zone.QueryAsync("nothere.contoso.test", DnsRecordType.TXT);
        Assert.Equal(DnsStatus.NxDomain, answer.Status);
        Assert.Equal(TimeSpan.FromSeconds(90), answer.NegativeTtl);
    }

    [Fact]
    public async Task A_name_holding_other_types_only_is_nodata()
    {
        var answer = await Zone.QueryAsync("mail.fabrikam.test", DnsRecordType.TXT);
        Assert.Equal(DnsStatus.NoError, answer.Status);
        Assert.Empty(answer.Records);
    }

    [Fact]
    public async Task An_empty_non_terminal_exists()
    {
        var answer = await Zone.QueryAsync("b.deep.contoso.test", DnsRecordType.A);
        Assert.Equal(DnsStatus.NoError, answer.Status);
        Assert.Empty(answer.Records);
    }

    [Fact]
    public void Names_outside_every_apex_are_not_mine()
    {
        Assert.False(Zone.IsAuthoritativeFor("example.com"));
        Assert.False(Zone.Lookup("test", DnsRecordType.A).IsMine);
        Assert.True(Zone.IsAuthoritativeFor("x.y.fabrikam.test."));
    }

    [Fact]
    public async Task Standalone_it_answers_servfail_for_names_it_does_not_hold()
    {
        var answer = await Zone.QueryAsync("example.com", DnsRecordType.A);
        Assert.Equal(DnsStatus.ServerFailure, answer.Status);
    }

    [Fact]
    public async Task Names_are_case_insensitive_and_a_trailing_dot_is_ignored()
    {
        var answer = await Zone.QueryAsync("MAIL.Fabrikam.TEST.", DnsRecordType.A);
        Assert.Equal("192.0.2.9", Assert.Single(answer.Records).Address!.ToString());
    }

    [Fact]
    public async Task Cnames_are_followed_inside_the_zone()
    {
        var answer = await Zone.QueryAsync("www.contoso.test", DnsRecordType.A);
        Assert.Equal("192.0.2.1", Assert.Single(answer.Records).Address!.ToString());
        var cname = await Zone.QueryAsync("www.contoso.test", DnsRecordType.CNAME);
        Assert.Equal("contoso.test", Assert.Single(cname.Records).Host);
    }

    [Fact]
    public async Task A_cname_loop_is_a_server_failure()
    {
        var answer = await Zone.QueryAsync("loop1.contoso.test", DnsRecordType.A);
        Assert.Equal(DnsStatus.ServerFailure, answer.Status);
    }

    [Fact]
    public async Task The_chain_asks_live_dns_for_other_names_and_for_cnames_leaving_the_zone()
    {
        var live = new InMemoryDnsResolver().AddA("mail.elsewhere.example", "203.0.113.1").AddA("example.com", "203.0.113.2");
        var chain = new ChainResolver([Zone], live);

        Assert.Equal("203.0.113.2", Assert.Single((await chain.QueryAsync("example.com", DnsRecordType.A)).Records).Address!.ToString());
        Assert.Equal("203.0.113.1", Assert.Single((await chain.QueryAsync("out.contoso.test", DnsRecordType.A)).Records).Address!.ToString());
        Assert.Equal(DnsStatus.NxDomain, (await chain.QueryAsync("nothere.contoso.test", DnsRecordType.A)).Status);
        Assert.Equal(2, live.Queries);
    }

    [Fact]
    public async Task The_chain_without_live_dns_answers_servfail_outside_the_zones()
    {
        var chain = new ChainResolver([Zone], null);
        Assert.Equal(DnsStatus.ServerFailure, (await chain.QueryAsync("example.com", DnsRecordType.TXT)).Status);
    }

    /// <summary>A file with absolute owner names only: no $ORIGIN, no SOA, so no apex.</summary>
    private static readonly ZoneResolver Loose = ZoneResolver.FromText("""
        $TTL 300
        contoso.test.              TXT "v=spf1 ip4:198.51.100.25 -all"
        s1._domainkey.contoso.test. TXT "v=DKIM1; p=MIIB"
        mail.contoso.test.         A   192.0.2.10
        www.contoso.test.          CNAME mail.contoso.test.
        """, "loose.zone");

    [Fact]
    public async Task A_file_without_origin_or_soa_answers_for_the_names_it_holds()
    {
        var txt = await Loose.QueryAsync("contoso.test", DnsRecordType.TXT);
        Assert.Equal("v=spf1 ip4:198.51.100.25 -all", Assert.Single(txt.Records).Text);
        Assert.Equal("v=DKIM1; p=MIIB", Assert.Single((await Loose.QueryAsync("S1._domainkey.contoso.test.", DnsRecordType.TXT)).Records).Text);
        Assert.Equal("192.0.2.10", Assert.Single((await Loose.QueryAsync("www.contoso.test", DnsRecordType.A)).Records).Address!.ToString());
    }

    [Fact]
    public async Task A_name_held_outside_every_apex_answers_nodata_for_the_types_it_lacks()
    {
        var answer = await Loose.QueryAsync("mail.contoso.test", DnsRecordType.MX);
        Assert.Equal(DnsStatus.NoError, answer.Status);
        Assert.Empty(answer.Records);
        Assert.Equal(ZoneFile.DefaultNegativeTtl, answer.NegativeTtl);
    }

    [Fact]
    public void Outside_every_apex_names_the_file_does_not_hold_are_not_mine()
    {
        Assert.False(Loose.IsAuthoritativeFor("contoso.test"));
        Assert.False(Loose.Lookup("other.contoso.test", DnsRecordType.A).IsMine);
        Assert.False(Loose.Lookup("_domainkey.contoso.test", DnsRecordType.TXT).IsMine);
        Assert.False(Loose.Lookup("test", DnsRecordType.A).IsMine);
    }

    [Fact]
    public async Task The_chain_asks_live_dns_for_the_names_a_file_without_apex_does_not_hold()
    {
        var live = new InMemoryDnsResolver().AddA("other.contoso.test", "203.0.113.7").AddTxt("_dmarc.contoso.test", "v=DMARC1; p=none");
        var chain = new ChainResolver([Loose], live);

        Assert.Equal("203.0.113.7", Assert.Single((await chain.QueryAsync("other.contoso.test", DnsRecordType.A)).Records).Address!.ToString());
        Assert.Equal("v=DMARC1; p=none", Assert.Single((await chain.QueryAsync("_dmarc.contoso.test", DnsRecordType.TXT)).Records).Text);
        Assert.Equal("192.0.2.10", Assert.Single((await chain.QueryAsync("mail.contoso.test", DnsRecordType.A)).Records).Address!.ToString());
        Assert.Equal(2, live.Queries);
    }

    [Fact]
    public async Task A_held_name_under_another_files_apex_is_answered_and_its_parents_exist()
    {
        var zone = new ZoneResolver([
            ZoneFile.Parse("$ORIGIN fabrikam.test.\n@ SOA ns1 hostmaster 1 3600 600 86400 90\n", "apex.zone"),
            ZoneFile.Parse("a.b.fabrikam.test. A 192.0.2.5\n", "loose.zone"),
        ]);

        Assert.Single((await zone.QueryAsync("a.b.fabrikam.test", DnsRecordType.A)).Records);
        Assert.Equal(DnsStatus.NoError, (await zone.QueryAsync("b.fabrikam.test", DnsRecordType.A)).Status);
        Assert.Equal(DnsStatus.NxDomain, (await zone.QueryAsync("c.fabrikam.test", DnsRecordType.A)).Status);
    }
}
